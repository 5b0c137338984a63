package dev.quiver.storage.internal.shard;

import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PayloadValues;
import dev.quiver.storage.Value;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The tenant fields of a shard, as Qdrant defines them: {@code keyword} and {@code uuid} payload
 * indexes with {@code is_tenant: true} (and {@code enable_hnsw} not false), and the tenant a
 * payload or a filter names in each. A tenant is one value of the field, compared as the index
 * compares it (uuids in lower case). Immutable.
 *
 * @param types each tenant field's index type
 */
record Tenants(SortedMap<String, String> types) {
  static final Tenants NONE = new Tenants(new TreeMap<>());

  /** The tenant fields among {@code specs}. */
  static Tenants of(Map<String, PayloadIndexSpec> specs) {
    SortedMap<String, String> types = new TreeMap<>();
    specs.forEach(
        (field, spec) -> {
          String type = spec.dataType();
          if ((type.equals("keyword") || type.equals("uuid"))
              && flag(spec, "is_tenant", false)
              && flag(spec, "enable_hnsw", true)) {
            types.put(field, type);
          }
        });
    return new Tenants(types);
  }

  private static boolean flag(PayloadIndexSpec spec, String name, boolean otherwise) {
    Value v = spec.params() == null ? null : spec.params().fields().get(name);
    return v instanceof Value.Bool b ? b.value() : otherwise;
  }

  boolean isEmpty() {
    return types.isEmpty();
  }

  /** A payload's tenant in one field: its one term, or none (null), or several. */
  record Tenant(Object term, boolean several) {
    static final Tenant NONE = new Tenant(null, false);
  }

  /** The tenant of {@code payload} in {@code field}. */
  Tenant of(Value.Struct payload, String field) {
    Set<Object> terms = new HashSet<>();
    for (Value v : PayloadValues.values(payload, field)) {
      Object t = term(v, types.get(field));
      if (t != null) {
        terms.add(t);
      }
    }
    return switch (terms.size()) {
      case 0 -> Tenant.NONE;
      case 1 -> new Tenant(terms.iterator().next(), false);
      default -> new Tenant(null, true);
    };
  }

  /**
   * The tenant of {@code field} that {@code filter} requires (a {@code must} condition matching the
   * field to one value), or null when it requires none.
   */
  Object required(Filter filter, String field) {
    if (filter == null) {
      return null;
    }
    for (Condition c : filter.must()) {
      Value v =
          switch (c) {
            case Condition.Match m when m.key().equals(field) -> m.value();
            case Condition.MatchAny m when m.key().equals(field) && m.values().size() == 1 ->
                m.values().getFirst();
            default -> null;
          };
      Object t = v == null ? null : term(v, types.get(field));
      if (t != null) {
        return t;
      }
    }
    return null;
  }

  private static Object term(Value v, String type) {
    return v instanceof Value.Str s
        ? type.equals("uuid") ? s.value().toLowerCase(Locale.ROOT) : s.value()
        : null;
  }

  /** The tenant fields. */
  Set<String> fields() {
    return types.keySet();
  }
}
