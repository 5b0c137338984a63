package dev.quiver.server.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds enum values a request carries that its proto does not define (proto3 keeps them as bare
 * numbers): the handlers would fail on them, so the call is refused with INVALID_ARGUMENT naming
 * the field first. Only message types that can hold an enum are walked (decided once per type).
 * Thread-safe.
 */
final class UnknownEnums {
  private static final Map<Descriptor, Boolean> HOLDS_ENUMS = new ConcurrentHashMap<>();

  private UnknownEnums() {}

  /** The path of the first unknown enum value in {@code m} with its number, or null. */
  static String find(Message m) {
    return find(m, "");
  }

  private static String find(Message m, String path) {
    if (!holdsEnums(m.getDescriptorForType())) {
      return null;
    }
    for (var e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      String at = path.isEmpty() ? f.getName() : path + "." + f.getName();
      List<?> values = f.isRepeated() ? (List<?>) e.getValue() : List.of(e.getValue());
      for (Object v : values) {
        if (v instanceof EnumValueDescriptor ev && ev.getIndex() < 0) {
          return at + " (" + ev.getNumber() + ")";
        }
        if (v instanceof Message child) {
          String found = find(child, at);
          if (found != null) {
            return found;
          }
        }
      }
    }
    return null;
  }

  static boolean holdsEnums(Descriptor type) {
    Boolean known = HOLDS_ENUMS.get(type);
    if (known == null) {
      known = reaches(type, new HashSet<>());
      HOLDS_ENUMS.put(type, known);
    }
    return known;
  }

  private static boolean reaches(Descriptor type, Set<Descriptor> seen) {
    if (!seen.add(type)) {
      return false;
    }
    for (FieldDescriptor f : type.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.ENUM
          || (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
              && reaches(f.getMessageType(), seen))) {
        return true;
      }
    }
    return false;
  }
}
