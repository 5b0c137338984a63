package dev.quiver.server.request;

/**
 * A request rejected at the edge before it reaches the application layer. Both edges produce these
 * while decoding; each edge's one error mapper turns them into its status codes. Immutable.
 */
public abstract sealed class RequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RequestException(String message) {
    super(message);
  }

  /** The body cannot be read as the expected shape: REST 400, gRPC INVALID_ARGUMENT. */
  public static final class Malformed extends RequestException {
    private static final long serialVersionUID = 1L;

    public Malformed(String message) {
      super(message);
    }
  }

  /** The body has the right shape but a value breaks a rule: REST 422, gRPC INVALID_ARGUMENT. */
  public static final class Invalid extends RequestException {
    private static final long serialVersionUID = 1L;

    /**
     * @param where "JSON body", "path parameters" or "query parameters" (gRPC uses "body")
     * @param field the offending field, dotted
     * @param problem what is wrong with it
     */
    public Invalid(String where, String field, String problem) {
      super("Validation error in " + where + ": [" + field + ": " + problem + "]");
    }
  }

  /** Over a rate limit: REST 429, gRPC RESOURCE_EXHAUSTED. */
  public static final class RateLimited extends RequestException {
    private static final long serialVersionUID = 1L;

    public RateLimited(String message) {
      super(message);
    }
  }

  /** A valid request for a feature this build does not have yet: REST 400, gRPC UNIMPLEMENTED. */
  public static final class Unsupported extends RequestException {
    private static final long serialVersionUID = 1L;

    public Unsupported(String message) {
      super(message);
    }
  }
}
