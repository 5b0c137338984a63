package dev.quiver.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code logger}: how the node logs. */
public record LoggerSection(Format format) {
  /** Log line format. */
  public enum Format {
    @JsonProperty("text")
    TEXT,
    @JsonProperty("json")
    JSON
  }

  public LoggerSection {
    format = format == null ? Format.TEXT : format;
  }
}
