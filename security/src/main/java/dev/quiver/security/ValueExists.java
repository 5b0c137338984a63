package dev.quiver.security;

import java.util.List;

/**
 * A JWT's {@code value_exists} claim: the token is valid only while the collection holds a point
 * whose payload has every {@code key == value} match. The values are the claim's JSON scalars as
 * Java values ({@code String}, {@code Long}, {@code Double}, {@code Boolean}).
 */
public record ValueExists(String collection, List<Match> matches) {
  public ValueExists {
    matches = List.copyOf(matches);
  }

  /** One condition: the payload value at {@code key} (dotted path) equals {@code value}. */
  public record Match(String key, Object value) {}
}
