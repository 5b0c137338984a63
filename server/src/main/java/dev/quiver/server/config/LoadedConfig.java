package dev.quiver.server.config;

import java.util.List;

/**
 * A bound configuration and how it came about.
 *
 * @param config the configuration
 * @param sources the layers that contributed, in order (files, then "environment")
 * @param ignoredKeys keys given by the operator that Quiver does not use (likely typos)
 */
public record LoadedConfig(QuiverConfig config, List<String> sources, List<String> ignoredKeys) {
  public LoadedConfig {
    sources = List.copyOf(sources);
    ignoredKeys = List.copyOf(ignoredKeys);
  }
}
