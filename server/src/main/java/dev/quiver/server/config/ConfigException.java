package dev.quiver.server.config;

/**
 * The configuration cannot be used; the message names the key or file and the problem. Immutable.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
