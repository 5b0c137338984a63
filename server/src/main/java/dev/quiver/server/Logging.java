package dev.quiver.server;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/** Applies {@code log_level} (Qdrant's filter string; its first plain level is used). */
final class Logging {
  private Logging() {}

  static void configure(String logLevel) {
    Level level = Level.INFO;
    for (String part : logLevel.split(",")) {
      if (!part.contains("=")) {
        level = Level.toLevel(part.trim(), Level.INFO);
        break;
      }
    }
    Configurator.setRootLevel(level);
  }
}
