package io.submarine.metrics.events;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One record of an event file, as TensorFlow's {@code Event} proto: its wall time and step, the
 * file version it may announce, and the scalars among its summary's values in every encoding real
 * writers use: {@code simple_value}, or a rank-0 tensor (float, double, half, integers) in
 * {@code float_val}, {@code double_val}, {@code half_val}, {@code int_val}, {@code int64_val} or
 * {@code tensor_content}, with plugin {@code scalars} or none. Other values (histograms, images,
 * audio, text, graphs) are counted, not decoded: the file is shipped whole.
 *
 * @param fileVersion "brain.Event:2" on a file's first record; null on the others
 * @param otherValues summary values that are not scalars
 */
public record Event(double wallTime, long step, String fileVersion, List<Scalar> scalars, int otherValues) {

    /**
     * A scalar as written: its value, and how it was stored.
     *
     * @param float32 whether the writer stored 32 bits (its {@link #value} came from a float)
     */
    public record Scalar(String tag, long step, double wallTime, double value, boolean float32, String encoding) {}

    // TensorFlow's DataType numbers.
    private static final int DT_FLOAT = 1;
    private static final int DT_DOUBLE = 2;
    private static final int DT_INT32 = 3;
    private static final int DT_UINT8 = 4;
    private static final int DT_INT16 = 5;
    private static final int DT_INT8 = 6;
    private static final int DT_INT64 = 9;
    private static final int DT_BOOL = 10;
    private static final int DT_UINT16 = 17;
    private static final int DT_HALF = 19;
    private static final int DT_UINT32 = 22;
    private static final int DT_UINT64 = 23;

    /** Decodes a record's data; a malformed event is an {@link IllegalArgumentException} saying where. */
    public static Event decode(byte[] data) {
        ProtoReader event = new ProtoReader(data);
        double wallTime = 0;
        long step = 0;
        String fileVersion = null;
        List<ProtoReader> summaries = new ArrayList<>();
        while (event.next()) {
            switch (event.field() * 8 + event.wireType()) {
                case 1 * 8 + ProtoReader.FIXED64 -> wallTime = event.float64();
                case 2 * 8 + ProtoReader.VARINT -> step = event.varint();
                case 3 * 8 + ProtoReader.LENGTH_DELIMITED -> fileVersion = event.string();
                case 5 * 8 + ProtoReader.LENGTH_DELIMITED -> summaries.add(event.message());
                default -> event.skip();
            }
        }
        List<Scalar> scalars = new ArrayList<>();
        int others = 0;
        for (ProtoReader summary : summaries) {
            while (summary.next()) {
                if (summary.field() == 1 && summary.wireType() == ProtoReader.LENGTH_DELIMITED) {
                    Scalar scalar = value(summary.message(), step, wallTime);
                    if (scalar != null) {
                        scalars.add(scalar);
                    } else {
                        others++;
                    }
                } else {
                    summary.skip();
                }
            }
        }
        return new Event(wallTime, step, fileVersion, List.copyOf(scalars), others);
    }

    /** A summary value as a scalar, or null if it is something else. */
    private static Scalar value(ProtoReader value, long step, double wallTime) {
        String tag = "";
        Float simple = null;
        ProtoReader tensor = null;
        String plugin = null;
        while (value.next()) {
            switch (value.field() * 8 + value.wireType()) {
                case 1 * 8 + ProtoReader.LENGTH_DELIMITED -> tag = value.string();
                case 2 * 8 + ProtoReader.FIXED32 -> simple = value.float32();
                case 8 * 8 + ProtoReader.LENGTH_DELIMITED -> tensor = value.message();
                case 9 * 8 + ProtoReader.LENGTH_DELIMITED -> plugin = pluginName(value.message());
                default -> value.skip();
            }
        }
        if (simple != null) {
            return new Scalar(tag, step, wallTime, simple, true, "simple_value");
        }
        if (tensor != null && (plugin == null || plugin.isEmpty() || plugin.equals("scalars"))) {
            return tensorScalar(tensor, tag, step, wallTime);
        }
        return null;
    }

    private static String pluginName(ProtoReader metadata) {
        String name = null;
        while (metadata.next()) {
            if (metadata.field() == 1 && metadata.wireType() == ProtoReader.LENGTH_DELIMITED) {
                ProtoReader pluginData = metadata.message();
                while (pluginData.next()) {
                    if (pluginData.field() == 1 && pluginData.wireType() == ProtoReader.LENGTH_DELIMITED) {
                        name = pluginData.string();
                    } else {
                        pluginData.skip();
                    }
                }
            } else {
                metadata.skip();
            }
        }
        return name;
    }

    /** A rank-0 numeric tensor's one value, or null if the tensor is not one. */
    private static Scalar tensorScalar(ProtoReader tensor, String tag, long step, double wallTime) {
        int dtype = 0;
        boolean rankZero = true;
        byte[] content = null;
        List<Number> values = new ArrayList<>();
        String field = null;
        while (tensor.next()) {
            int number = tensor.field();
            switch (number) {
                case 1 -> dtype = (int) tensor.varint();
                case 2 -> rankZero = rankZero(tensor.message());
                case 4 -> content = tensor.bytes();
                case 5 -> field = repeated(tensor, values, ProtoReader.FIXED32, "float_val");
                case 6 -> field = repeated(tensor, values, ProtoReader.FIXED64, "double_val");
                case 7 -> field = repeated(tensor, values, ProtoReader.VARINT, "int_val");
                case 10 -> field = repeated(tensor, values, ProtoReader.VARINT, "int64_val");
                case 13 -> field = repeated(tensor, values, ProtoReader.VARINT, "half_val");
                default -> tensor.skip();
            }
        }
        if (!rankZero) {
            return null;
        }
        boolean numeric = switch (dtype) {
            case DT_FLOAT, DT_DOUBLE, DT_HALF, DT_INT8, DT_INT16, DT_INT32, DT_INT64, DT_UINT8, DT_UINT16, DT_UINT32, DT_UINT64, DT_BOOL -> true;
            default -> false;
        };
        if (!numeric) {
            return null;
        }
        if (content != null && content.length > 0) {
            return new Scalar(tag, step, wallTime, fromContent(dtype, content), dtype == DT_FLOAT, dtypeName(dtype) + "/tensor_content");
        }
        if (values.size() != 1) {
            return null;
        }
        Number number = values.get(0);
        double value = switch (dtype) {
            case DT_FLOAT -> Float.intBitsToFloat(number.intValue());
            case DT_DOUBLE -> Double.longBitsToDouble(number.longValue());
            case DT_HALF -> half(number.intValue());
            case DT_UINT32 -> Integer.toUnsignedLong(number.intValue());
            case DT_UINT64 -> unsigned(number.longValue());
            case DT_INT64 -> number.longValue();
            default -> number.intValue();
        };
        return new Scalar(tag, step, wallTime, value, dtype == DT_FLOAT, dtypeName(dtype) + "/" + field);
    }

    private static boolean rankZero(ProtoReader shape) {
        while (shape.next()) {
            if (shape.field() == 2) {
                // A dimension: rank 0 has none; a [1] or [1, 1] tensor holds one value too, as some writers store scalars.
                ProtoReader dim = shape.message();
                while (dim.next()) {
                    if (dim.field() == 1 && dim.wireType() == ProtoReader.VARINT) {
                        if (dim.varint() != 1) {
                            return false;
                        }
                    } else {
                        dim.skip();
                    }
                }
            } else {
                shape.skip();
            }
        }
        return true;
    }

    /** A repeated numeric field, packed or not: its raw values (bits for floats) into {@code values}. */
    private static String repeated(ProtoReader tensor, List<Number> values, int elementWireType, String name) {
        if (tensor.wireType() == ProtoReader.LENGTH_DELIMITED) {
            ProtoReader packed = tensor.message();
            while (packed.more()) {
                values.add(element(packed, elementWireType));
            }
        } else if (tensor.wireType() == elementWireType) {
            values.add(element(tensor, elementWireType));
        } else {
            tensor.skip();
        }
        return name;
    }

    private static Number element(ProtoReader reader, int wireType) {
        return switch (wireType) {
            case ProtoReader.FIXED32 -> reader.fixed32();
            case ProtoReader.FIXED64 -> reader.fixed64();
            default -> reader.varint();
        };
    }

    private static double fromContent(int dtype, byte[] content) {
        ByteBuffer bytes = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        int size = switch (dtype) {
            case DT_DOUBLE, DT_INT64, DT_UINT64 -> 8;
            case DT_FLOAT, DT_INT32, DT_UINT32 -> 4;
            case DT_HALF, DT_INT16, DT_UINT16 -> 2;
            default -> 1;
        };
        if (content.length != size) {
            throw new IllegalArgumentException("a rank-0 " + dtypeName(dtype) + " tensor of " + content.length + " bytes");
        }
        return switch (dtype) {
            case DT_FLOAT -> bytes.getFloat(0);
            case DT_DOUBLE -> bytes.getDouble(0);
            case DT_HALF -> half(bytes.getShort(0));
            case DT_INT64 -> bytes.getLong(0);
            case DT_UINT64 -> unsigned(bytes.getLong(0));
            case DT_INT32 -> bytes.getInt(0);
            case DT_UINT32 -> Integer.toUnsignedLong(bytes.getInt(0));
            case DT_INT16 -> bytes.getShort(0);
            case DT_UINT16 -> Short.toUnsignedInt(bytes.getShort(0));
            case DT_INT8 -> bytes.get(0);
            default -> Byte.toUnsignedInt(bytes.get(0));
        };
    }

    private static String dtypeName(int dtype) {
        return switch (dtype) {
            case DT_FLOAT -> "DT_FLOAT";
            case DT_DOUBLE -> "DT_DOUBLE";
            case DT_HALF -> "DT_HALF";
            case DT_INT64 -> "DT_INT64";
            case DT_INT32 -> "DT_INT32";
            default -> "DT_" + dtype;
        };
    }

    private static double unsigned(long value) {
        return value >= 0 ? value : (double) (value >>> 1) * 2 + (value & 1);
    }

    /** IEEE 754 binary16 to a double (the JDK has Float.float16ToFloat only from 20). */
    static double half(int bits) {
        int sign = (bits >> 15) & 1;
        int exponent = (bits >> 10) & 0x1f;
        int fraction = bits & 0x3ff;
        double magnitude;
        if (exponent == 0) {
            magnitude = fraction * Math.pow(2, -24);
        } else if (exponent == 0x1f) {
            magnitude = fraction == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            magnitude = (1 + fraction / 1024.0) * Math.pow(2, exponent - 15);
        }
        return sign == 1 ? -magnitude : magnitude;
    }
}
