package dev.quiver.server.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * How much heap a protobuf message will take once parsed, read from its wire bytes without
 * allocating: a message costs an object, a string or bytes field its characters and an object, a
 * packed run of numbers its primitive array, any other field a boxed value. Walks nested messages
 * by their descriptors, so that ten million empty sub-messages (two bytes each on the wire, forty
 * on the heap) are seen for what they are. An upper estimate, not a measure; malformed bytes (which
 * the parse then refuses) cost what they weigh. Stateless; thread-safe.
 */
final class ProtoHeapCost {
  /** A message object and its slot in the list or field that holds it. */
  static final long MESSAGE = 64;

  /** A string or bytes object, apart from its characters. */
  static final long STRING = 48;

  /** A scalar field: a boxed value in a list, or a slot of its message. */
  static final long SCALAR = 16;

  /** Protobuf's own nesting limit: deeper messages fail to parse. */
  private static final int MAX_DEPTH = 100;

  private ProtoHeapCost() {}

  /** The estimated heap of {@code bytes} parsed as a {@code type}. */
  static long of(byte[] bytes, Descriptor type) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      return message(in, type, 0);
    } catch (IOException | RuntimeException malformed) {
      return bytes.length;
    }
  }

  private static long message(CodedInputStream in, Descriptor type, int depth) throws IOException {
    long cost = MESSAGE;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return cost;
      }
      FieldDescriptor f = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
      if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        in.skipField(tag);
        cost += SCALAR;
        continue;
      }
      int length = in.readRawVarint32();
      if (length < 0) {
        throw new IOException("negative length");
      }
      if (f != null && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth < MAX_DEPTH) {
        int outer = in.pushLimit(length);
        cost += message(in, f.getMessageType(), depth + 1);
        in.popLimit(outer);
      } else {
        cost += lengthDelimited(f, length);
        in.skipRawBytes(length);
      }
    }
  }

  /** A string, bytes, or a packed run of numbers, of {@code length} bytes on the wire. */
  private static long lengthDelimited(FieldDescriptor f, int length) {
    if (f == null
        || !f.isRepeated()
        || f.getJavaType() == FieldDescriptor.JavaType.STRING
        || f.getJavaType() == FieldDescriptor.JavaType.BYTE_STRING
        || f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      // UTF-8 read into a String holds at most two bytes a byte (Latin-1 one, others UTF-16)
      return STRING + 2L * length;
    }
    return switch (f.getType()) {
      // fixed-width numbers keep their width in a primitive array
      case FLOAT, FIXED32, SFIXED32, DOUBLE, FIXED64, SFIXED64 -> length;
      // a varint of one byte may become a long of eight
      default -> 8L * length;
    };
  }
}
