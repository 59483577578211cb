package io.submarine.logsegment;

import java.nio.file.Path;

/** A finished segment waiting in the local spool for upload. */
public record SealedSegment(Path file, SegmentFormat format, SegmentIndex index, long size) {

    public String objectName() {
        return format.objectName(index.sequence());
    }
}
