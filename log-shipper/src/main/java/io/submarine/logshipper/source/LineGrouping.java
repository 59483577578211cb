package io.submarine.logshipper.source;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * What counts as one line of a log: each line, or with {@code --multiline-pattern} a first line
 * and the continuation lines after it (a stack trace), so that a segment never ends inside such
 * a record and the index counts records. The last record read may still grow, so it is held back
 * until the next record starts, the file is quiet for a while, or the shipper stops.
 */
public final class LineGrouping {

    /** How much of a line's start the pattern sees. */
    private static final int PREFIX = 256;

    private final Pattern continuation;

    private LineGrouping(Pattern continuation) {
        this.continuation = continuation;
    }

    public static LineGrouping eachLine() {
        return new LineGrouping(null);
    }

    /** Lines whose start matches {@code continuation} belong to the line before them. */
    public static LineGrouping continuationLines(Pattern continuation) {
        return new LineGrouping(continuation);
    }

    public boolean groups() {
        return continuation != null;
    }

    /** Where the whole records among {@code data[0, complete)} (whole lines) end; 0 if only the last record is there. */
    int whole(byte[] data, int complete) {
        if (continuation == null) {
            return complete;
        }
        int end = complete - 1;
        while (end > 0) {
            int start = lineStart(data, end);
            if (!continues(data, start, end)) {
                return start;
            }
            end = start - 1;
        }
        return 0;
    }

    /**
     * Lines, or records, in {@code data[0, length)}; {@code last} says the piece ends the file for
     * now, so a final line without newline counts too.
     */
    long count(byte[] data, int length, boolean last) {
        if (continuation == null) {
            long lines = FileFollower.countLines(data, length);
            return last && length > 0 && data[length - 1] != '\n' ? lines + 1 : lines;
        }
        long records = 0;
        int start = 0;
        while (start < length) {
            int end = start;
            while (end < length && data[end] != '\n') {
                end++;
            }
            if (start == 0 || !continues(data, start, end)) {
                records++;
            }
            start = end + 1;
        }
        return records;
    }

    private static int lineStart(byte[] data, int end) {
        int start = end;
        while (start > 0 && data[start - 1] != '\n') {
            start--;
        }
        return start;
    }

    private boolean continues(byte[] data, int start, int end) {
        String prefix = new String(data, start, Math.min(end - start, PREFIX), StandardCharsets.UTF_8);
        return continuation.matcher(prefix).lookingAt();
    }
}
