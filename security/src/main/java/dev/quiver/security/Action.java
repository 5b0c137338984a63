package dev.quiver.security;

import java.util.Objects;

/**
 * One operation of the public API as the access rules see it: Qdrant's operation name, what it
 * requires, the REST route it answers on ({@code method} + path template, or null) and the gRPC
 * method ({@code package.Service/Method}, or null). {@code audited} is false for the checks Qdrant
 * leaves out of the audit log (health, metrics and telemetry scrapes). Immutable.
 */
public record Action(
    String operation,
    Requirement requirement,
    String httpMethod,
    String path,
    String grpcMethod,
    boolean audited) {

  public Action {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(requirement, "requirement");
    if ((httpMethod == null) != (path == null)) {
      throw new IllegalArgumentException("REST method and path go together: " + operation);
    }
  }
}
