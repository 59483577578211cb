package io.submarine.localizer.archive;

import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * A tar reader that refuses what GNU tar and libarchive refuse and Commons Compress lets through:
 * a header block whose checksum does not match (Commons checks only the first, to detect the
 * format), and a GNU long name or link header with no entry after it (Commons ends the archive
 * there, as if it were complete). The offset of the bad block is said, so it can be found with
 * {@code dd} or a hex editor.
 */
final class CheckedTarInputStream extends TarArchiveInputStream {

    private static final int TYPE_FLAG = 156;
    private static final int OLD_GNU_IS_EXTENDED = 482;
    private static final int SPARSE_EXTENSION_IS_EXTENDED = 504;

    /** Whether the next block is an old GNU sparse map's extension: a list of offsets with no checksum of its own. */
    private boolean sparseExtensionNext;

    CheckedTarInputStream(InputStream in) {
        super(in);
    }

    @Override
    protected byte[] readRecord() throws IOException {
        long offset = getBytesRead();
        byte[] block = super.readRecord();
        // Null at the end of the input; all zeros is the end-of-archive marker.
        if (block == null || isEOFRecord(block)) {
            return block;
        }
        if (sparseExtensionNext) {
            sparseExtensionNext = block[SPARSE_EXTENSION_IS_EXTENDED] != 0;
            return block;
        }
        if (!TarUtils.verifyCheckSum(block)) {
            throw new UnsafeArchiveException("the tar header at byte " + offset + " fails its checksum (stored "
                    + checksumField(block) + "): the archive is corrupt");
        }
        sparseExtensionNext = block[TYPE_FLAG] == 'S' && block[OLD_GNU_IS_EXTENDED] != 0;
        return block;
    }

    @Override
    protected byte[] getLongNameData() throws IOException {
        long offset = getBytesRead();
        byte[] name = super.getLongNameData();
        if (name == null) {
            throw new UnsafeArchiveException("the GNU long name or link read by byte " + offset
                    + " is not followed by the entry it names: the archive is cut short or badly written");
        }
        return name;
    }

    /** The checksum field as stored, printable: digits, or what stands in their place. */
    private static String checksumField(byte[] block) {
        StringBuilder field = new StringBuilder("'");
        for (int i = 148; i < 156; i++) {
            int b = block[i] & 0xff;
            field.append(b >= '0' && b <= '7' ? String.valueOf((char) b) : b == ' ' ? "\u2423" : String.format("\\x%02x", b));
        }
        return field.append('\'').toString();
    }
}
