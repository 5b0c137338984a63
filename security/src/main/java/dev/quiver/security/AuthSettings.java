package dev.quiver.security;

/**
 * The keys a node accepts, from {@code service.*}. Empty keys count as unset. Its {@code toString}
 * never shows a key.
 */
public record AuthSettings(
    String apiKey, String altApiKey, String readOnlyApiKey, boolean jwtRbac) {

  public AuthSettings {
    apiKey = blankToNull(apiKey);
    altApiKey = blankToNull(altApiKey);
    readOnlyApiKey = blankToNull(readOnlyApiKey);
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** Authentication is on when any key is set. */
  public boolean enabled() {
    return apiKey != null || altApiKey != null || readOnlyApiKey != null;
  }

  @Override
  public String toString() {
    return "AuthSettings[apiKey="
        + (apiKey == null ? "<unset>" : "<set>")
        + ", altApiKey="
        + (altApiKey == null ? "<unset>" : "<set>")
        + ", readOnlyApiKey="
        + (readOnlyApiKey == null ? "<unset>" : "<set>")
        + ", jwtRbac="
        + jwtRbac
        + "]";
  }
}
