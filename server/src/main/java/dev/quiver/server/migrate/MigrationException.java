package dev.quiver.server.migrate;

import java.io.IOException;

/** A call the source or the target refused: its method, address, status and error. */
final class MigrationException extends IOException {
  private static final long serialVersionUID = 1L;

  MigrationException(String message) {
    super(message);
  }
}
