package dev.quiver.server.grpc;

import dev.quiver.storage.Value;
import io.qdrant.client.grpc.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A collection's strict mode settings between the gRPC {@code StrictModeConfig} message and the
 * shape REST stores them in (fields by their snake-case names, the sparse and multivector limits as
 * maps by vector name). Stateless.
 */
final class StrictModeProto {
  private StrictModeProto() {}

  /** A {@code StrictModeConfig} message as the fields it sets, by their REST names. */
  static Value.Struct settings(Collections.StrictModeConfig m) {
    Map<String, Value> out = new LinkedHashMap<>();
    m.getAllFields()
        .forEach(
            (field, v) -> {
              switch (v) {
                case Boolean b -> out.put(field.getName(), new Value.Bool(b));
                case Integer i ->
                    out.put(field.getName(), new Value.Int(Integer.toUnsignedLong(i)));
                case Long l -> out.put(field.getName(), new Value.Int(l < 0 ? Long.MAX_VALUE : l));
                case Float f -> out.put(field.getName(), new Value.Double(f));
                default -> {} // the two maps, below
              }
            });
    if (m.hasSparseConfig()) {
      Map<String, Value> byName = new LinkedHashMap<>();
      m.getSparseConfig()
          .getSparseConfigMap()
          .forEach(
              (k, v) ->
                  byName.put(
                      k,
                      new Value.Struct(
                          v.hasMaxLength()
                              ? Map.of("max_length", new Value.Int(v.getMaxLength()))
                              : Map.of())));
      out.put("sparse_config", new Value.Struct(byName));
    }
    if (m.hasMultivectorConfig()) {
      Map<String, Value> byName = new LinkedHashMap<>();
      m.getMultivectorConfig()
          .getMultivectorConfigMap()
          .forEach(
              (k, v) ->
                  byName.put(
                      k,
                      new Value.Struct(
                          v.hasMaxVectors()
                              ? Map.of("max_vectors", new Value.Int(v.getMaxVectors()))
                              : Map.of())));
      out.put("multivector_config", new Value.Struct(byName));
    }
    return new Value.Struct(out);
  }

  /** Stored strict mode settings as the {@code StrictModeConfig} message. */
  static Collections.StrictModeConfig message(Value.Struct s) {
    var b = Collections.StrictModeConfig.newBuilder();
    var descriptor = Collections.StrictModeConfig.getDescriptor();
    s.fields()
        .forEach(
            (name, v) -> {
              var field = descriptor.findFieldByName(name);
              if (field == null) {
                return;
              }
              switch (field.getJavaType()) {
                case BOOLEAN -> b.setField(field, ((Value.Bool) v).value());
                case INT -> b.setField(field, (int) ((Value.Int) v).value());
                case LONG -> b.setField(field, ((Value.Int) v).value());
                case FLOAT -> b.setField(field, (float) ((Value.Double) v).value());
                default -> {}
              }
            });
    if (s.fields().get("sparse_config") instanceof Value.Struct sparse) {
      var c = Collections.StrictModeSparseConfig.newBuilder();
      sparse
          .fields()
          .forEach(
              (k, v) -> {
                var one = Collections.StrictModeSparse.newBuilder();
                if (v instanceof Value.Struct l
                    && l.fields().get("max_length") instanceof Value.Int n) {
                  one.setMaxLength(n.value());
                }
                c.putSparseConfig(k, one.build());
              });
      b.setSparseConfig(c);
    }
    if (s.fields().get("multivector_config") instanceof Value.Struct multi) {
      var c = Collections.StrictModeMultivectorConfig.newBuilder();
      multi
          .fields()
          .forEach(
              (k, v) -> {
                var one = Collections.StrictModeMultivector.newBuilder();
                if (v instanceof Value.Struct l
                    && l.fields().get("max_vectors") instanceof Value.Int n) {
                  one.setMaxVectors(n.value());
                }
                c.putMultivectorConfig(k, one.build());
              });
      b.setMultivectorConfig(c);
    }
    return b.build();
  }
}
