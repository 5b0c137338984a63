package dev.quiver.security;

/**
 * What a request presented: the {@code api-key} header and the {@code authorization} header, raw
 * (either may be null). Its {@code toString} never shows them.
 */
public record Credentials(String apiKey, String authorization) {
  public static final Credentials NONE = new Credentials(null, null);

  /** The presented secret: {@code api-key} wins, else the rest of {@code Bearer <token>}. */
  public String secret() {
    if (apiKey != null) {
      return apiKey;
    }
    if (authorization != null && authorization.startsWith("Bearer ")) {
      return authorization.substring("Bearer ".length());
    }
    return null;
  }

  @Override
  public String toString() {
    return "Credentials[apiKey="
        + (apiKey == null ? "<none>" : "<set>")
        + ", authorization="
        + (authorization == null ? "<none>" : "<set>")
        + "]";
  }
}
