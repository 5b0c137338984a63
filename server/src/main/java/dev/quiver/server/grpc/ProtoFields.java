package dev.quiver.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.quiver.server.request.RequestException;
import java.util.Set;

/**
 * The gRPC side of "nothing is silently ignored": a field that a request sets and Quiver does not
 * implement is refused with INVALID_ARGUMENT naming it. Only fields the client set are looked at
 * (proto3 {@code optional} and message fields have presence; a repeated or map field counts when
 * not empty).
 */
final class ProtoFields {
  private ProtoFields() {}

  static void onlyImplemented(Message m, String path, Set<String> implemented) {
    for (FieldDescriptor f : m.getAllFields().keySet()) {
      if (!implemented.contains(f.getName())) {
        throw new RequestException.Unsupported(
            "Bad request: `"
                + (path.isEmpty() ? f.getName() : path + "." + f.getName())
                + "` is not supported by Quiver; remove it from the request");
      }
    }
  }
}
