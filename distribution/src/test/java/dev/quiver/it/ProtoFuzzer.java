package dev.quiver.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hostile messages for every unary method of the services it is given, built from the proto
 * descriptors of their request types: any field set or not, numbers at their limits, long strings
 * and repeated fields, unknown enum values, nesting as deep as the types allow. Collection names
 * are the one given. Deterministic for a seed. Not thread-safe.
 */
final class ProtoFuzzer {
  /** A method to call with raw bytes, and the type of its request. */
  record Method(MethodDescriptor<byte[], byte[]> raw, Descriptor request, String name) {}

  private final SplittableRandom rnd;
  private final List<Method> methods = new ArrayList<>();

  ProtoFuzzer(long seed, ServiceDescriptor... services) {
    rnd = new SplittableRandom(seed);
    for (ServiceDescriptor s : services) {
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        if (m.getType() != MethodDescriptor.MethodType.UNARY
            || !(m.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> proto)
            || !(proto.getMessagePrototype() instanceof Message prototype)) {
          continue;
        }
        methods.add(
            new Method(
                MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(m.getFullMethodName())
                    .setRequestMarshaller(BYTES)
                    .setResponseMarshaller(BYTES)
                    .build(),
                prototype.getDescriptorForType(),
                m.getFullMethodName()));
      }
    }
  }

  List<Method> methods() {
    return methods;
  }

  /** A hostile request for {@code m}, naming {@code collection}. */
  byte[] request(Method m, String collection) {
    budget = 100_000;
    return message(m.request(), collection, 0).toByteArray();
  }

  /** Values one request may still hold: keeps a message within a few megabytes. */
  private int budget;

  private Message message(Descriptor type, String collection, int depth) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    for (FieldDescriptor f : type.getFields()) {
      boolean named = f.getName().equals("collection_name");
      if (!named && rnd.nextInt(depth < 3 ? 2 : 4) != 0) {
        continue;
      }
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && (depth > 90 || (depth > 6 && rnd.nextInt(8) != 0))) {
        continue; // past a few levels, rare single chains (protobuf refuses past 100 levels)
      }
      if (f.getRealContainingOneof() != null && f.getRealContainingOneof().getFieldCount() > 0) {
        if (b.getOneofFieldDescriptor(f.getRealContainingOneof()) != null) {
          continue;
        }
      }
      if (budget <= 0) {
        break;
      }
      if (f.isRepeated()) {
        int n = f.isMapField() ? rnd.nextInt(3) : many();
        if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          n = Math.min(n, depth > 6 ? 1 : 20);
        }
        n = Math.max(0, Math.min(n, budget));
        budget -= n;
        for (int i = 0; i < n; i++) {
          b.addRepeatedField(f, value(f, collection, depth));
        }
      } else {
        b.setField(f, named && rnd.nextInt(8) != 0 ? collection : value(f, collection, depth));
      }
    }
    return b.build();
  }

  private int many() {
    return switch (rnd.nextInt(20)) {
      case 0 -> 10_000 + rnd.nextInt(50_000);
      case 1, 2 -> 100;
      default -> rnd.nextInt(4);
    };
  }

  private Object value(FieldDescriptor f, String collection, int depth) {
    return switch (f.getJavaType()) {
      case INT ->
          switch (rnd.nextInt(5)) {
            case 0 -> -1;
            case 1 -> Integer.MAX_VALUE;
            case 2 -> Integer.MIN_VALUE;
            default -> rnd.nextInt(100);
          };
      case LONG ->
          switch (rnd.nextInt(6)) {
            case 0 -> -1L; // uint64 max
            case 1 -> Long.MAX_VALUE;
            case 2 -> Long.MIN_VALUE;
            case 3 -> 4294967295L;
            default -> (long) rnd.nextInt(100);
          };
      case FLOAT -> rnd.nextInt(5) == 0 ? Float.NaN : (float) rnd.nextDouble();
      case DOUBLE -> rnd.nextInt(5) == 0 ? Double.POSITIVE_INFINITY : rnd.nextDouble() * 1e6;
      case BOOLEAN -> rnd.nextBoolean();
      case STRING ->
          switch (rnd.nextInt(8)) {
            case 0 -> "s".repeat(rnd.nextInt(100_000));
            case 1 -> "../../etc/passwd";
            case 2 -> "";
            case 3 -> "\u0000\uFFFD";
            default -> rnd.nextBoolean() ? collection : "f" + rnd.nextInt(10);
          };
      case BYTE_STRING -> ByteString.copyFrom(new byte[rnd.nextInt(64)]);
      case ENUM -> enumValue(f.getEnumType());
      case MESSAGE -> message(f.getMessageType(), collection, depth + 1);
    };
  }

  private Object enumValue(EnumDescriptor e) {
    if (rnd.nextInt(6) == 0) {
      return e.findValueByNumberCreatingIfUnknown(1000 + rnd.nextInt(1000));
    }
    return e.getValues().get(rnd.nextInt(e.getValues().size()));
  }

  /** Messages as the bytes they are. */
  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
}
