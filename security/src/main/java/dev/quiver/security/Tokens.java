package dev.quiver.security;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Mints Qdrant-compatible HS256 tokens (what {@code quiver jwt} prints). Stateless. */
public final class Tokens {
  private Tokens() {}

  /**
   * A signed token.
   *
   * @param secret the {@code api_key} (or {@code alt_api_key}) of the node
   * @param access global access, or per-collection modes (then {@code global} is ignored)
   * @param global {@code "r"} or {@code "m"}, or null for no {@code access} claim (full access)
   * @param expiresAt the {@code exp} claim, or null for none
   * @param subject the {@code subject} claim, or null
   * @param valueExists the {@code value_exists} claim, or null
   */
  public static String mint(
      String secret,
      String global,
      Map<String, Access.Mode> access,
      Instant expiresAt,
      String subject,
      ValueExists valueExists) {
    JWTCreator.Builder b = JWT.create();
    if (access != null && !access.isEmpty()) {
      List<Map<String, Object>> list = new ArrayList<>();
      access.forEach(
          (c, m) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("collection", c);
            e.put("access", m.name().toLowerCase(Locale.ROOT));
            list.add(e);
          });
      b.withClaim("access", list);
    } else if (global != null) {
      b.withClaim("access", global);
    }
    if (expiresAt != null) {
      b.withExpiresAt(expiresAt);
    }
    if (subject != null) {
      b.withClaim("subject", subject);
    }
    if (valueExists != null) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("collection", valueExists.collection());
      List<Map<String, Object>> matches = new ArrayList<>();
      for (ValueExists.Match m : valueExists.matches()) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("key", m.key());
        e.put("value", m.value());
        matches.add(e);
      }
      v.put("matches", matches);
      b.withClaim("value_exists", v);
    }
    return b.sign(Algorithm.HMAC256(secret));
  }
}
