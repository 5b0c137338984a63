package dev.quiver.security;

import java.util.Objects;

/**
 * An authenticated caller: how it authenticated, its JWT {@code subject} (or null), its access, and
 * a JWT's {@code value_exists} condition still to be checked against data (or null). Immutable.
 */
public record Principal(AuthType authType, String subject, Access access, ValueExists valueExists) {

  /** How the caller authenticated, as audit entries name it. */
  public enum AuthType {
    /** No keys configured: everyone has full access. */
    None,
    ApiKey,
    Jwt
  }

  public Principal {
    Objects.requireNonNull(authType, "authType");
    Objects.requireNonNull(access, "access");
  }

  /** The caller when no key is configured. */
  public static final Principal ANONYMOUS = new Principal(AuthType.None, null, Access.MANAGE, null);
}
