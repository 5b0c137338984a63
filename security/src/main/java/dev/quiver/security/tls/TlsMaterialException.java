package dev.quiver.security.tls;

/**
 * A TLS file cannot be used; the message names the setting, the file and the problem. Immutable.
 */
public final class TlsMaterialException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TlsMaterialException(String message) {
    super(message);
  }

  public TlsMaterialException(String message, Throwable cause) {
    super(message, cause);
  }
}
