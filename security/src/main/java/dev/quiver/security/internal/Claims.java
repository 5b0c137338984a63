package dev.quiver.security.internal;

import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.quiver.security.Access;
import dev.quiver.security.AuthenticationFailed;
import dev.quiver.security.Principal;
import dev.quiver.security.ValueExists;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Qdrant's claims from a verified token: {@code access} ({@code "r"}, {@code "m"}, or a list
 * of {@code {collection, access}} with {@code r}/{@code rw}/{@code prw}; absent means manage),
 * {@code value_exists} and {@code subject}. Claims that do not validate (the deprecated {@code
 * payload}, duplicate collections, unknown modes) fail with 401, as in Qdrant.
 */
final class Claims {
  private Claims() {}

  static Principal principal(DecodedJWT jwt) {
    Access access = access(jwt.getClaim("access"));
    ValueExists valueExists = valueExists(jwt.getClaim("value_exists"));
    Claim subject = jwt.getClaim("subject");
    String sub = subject.isMissing() || subject.isNull() ? null : subject.asString();
    return new Principal(Principal.AuthType.Jwt, sub, access, valueExists);
  }

  private static AuthenticationFailed invalidClaims() {
    return AuthenticationFailed.invalid();
  }

  private static Access access(Claim claim) {
    if (claim.isMissing() || claim.isNull()) {
      return Access.MANAGE;
    }
    String s = claim.asString();
    if (s != null) {
      return switch (s) {
        case "r" -> Access.READ;
        case "m" -> Access.MANAGE;
        default -> throw invalidClaims();
      };
    }
    List<Object> list;
    try {
      list = claim.asList(Object.class);
    } catch (RuntimeException e) {
      throw invalidClaims();
    }
    if (list == null) {
      throw invalidClaims();
    }
    Map<String, Access.Mode> modes = new HashMap<>();
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> entry) || entry.containsKey("payload")) {
        throw invalidClaims();
      }
      if (!(entry.get("collection") instanceof String collection)
          || !(entry.get("access") instanceof String mode)) {
        throw invalidClaims();
      }
      Access.Mode m =
          switch (mode) {
            case "r" -> Access.Mode.R;
            case "rw" -> Access.Mode.RW;
            case "prw" -> Access.Mode.PRW;
            default -> throw invalidClaims();
          };
      if (modes.put(collection, m) != null) {
        throw invalidClaims();
      }
    }
    return new Access.Collections(modes);
  }

  private static ValueExists valueExists(Claim claim) {
    if (claim.isMissing() || claim.isNull()) {
      return null;
    }
    Map<String, Object> map;
    try {
      map = claim.asMap();
    } catch (RuntimeException e) {
      throw invalidClaims();
    }
    if (map == null
        || !(map.get("collection") instanceof String collection)
        || !(map.get("matches") instanceof List<?> matches)) {
      throw invalidClaims();
    }
    List<ValueExists.Match> out = new ArrayList<>();
    for (Object m : matches) {
      if (!(m instanceof Map<?, ?> match) || !(match.get("key") instanceof String key)) {
        throw invalidClaims();
      }
      Object value = match.get("value");
      if (value instanceof Integer i) {
        value = i.longValue();
      }
      if (!(value instanceof String
          || value instanceof Long
          || value instanceof Double
          || value instanceof Boolean)) {
        throw invalidClaims();
      }
      out.add(new ValueExists.Match(key, value));
    }
    return new ValueExists(collection, out);
  }
}
