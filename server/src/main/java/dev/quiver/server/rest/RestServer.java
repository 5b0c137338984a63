package dev.quiver.server.rest;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.security.Action;
import dev.quiver.security.AuthenticationFailed;
import dev.quiver.security.Credentials;
import dev.quiver.security.Forbidden;
import dev.quiver.security.Principal;
import dev.quiver.security.Requirement;
import dev.quiver.server.config.SecurityChecklist;
import dev.quiver.server.guard.AccessControl;
import dev.quiver.server.guard.HeapBudget;
import dev.quiver.server.guard.RequestLimits;
import dev.quiver.server.metrics.Metrics;
import dev.quiver.server.net.Transport;
import dev.quiver.server.query.Lookups;
import dev.quiver.server.recovery.SnapshotDownloads;
import dev.quiver.server.request.CreateCollection;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.SnapshotStore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.compression.CompressionOptions;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.cors.CorsConfigBuilder;
import io.netty.handler.codec.http.cors.CorsHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The REST edge on Netty's HTTP/1.1 codec: decompression, a body limit of {@code
 * max_request_size_mb} (413 beyond it), compression, CORS, then the route table. Handlers run on
 * the request executor, never on the event loop. The owner closes it. Thread-safe once started; its
 * owner closes it once.
 */
public final class RestServer implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(RestServer.class);

  /** What the REST edge needs from its configuration. */
  public record Settings(
      String host,
      int port,
      int maxRequestSizeMb,
      boolean enableCors,
      int keepAliveTimeoutSec,
      SslContext ssl,
      int requestTimeoutSec,
      int maxConnectionsPerAddress,
      SnapshotDownloads downloads,
      Supplier<List<SecurityChecklist.Item>> securityCheck) {}

  /**
   * Requests one connection may have waiting or running before the server stops reading from it
   * (HTTP/1.1 pipelining): the client's further requests wait in its socket, none is refused.
   */
  static final int MAX_PIPELINED = 32;

  /**
   * Requests the codec may decode ahead of their answers: the pipelined ones before reading pauses,
   * plus what one 64 KiB read can hold (at least 18 bytes a request). Netty's default of 128 closed
   * the connection of a client that pipelined more.
   */
  static final int MAX_DECODED_AHEAD = MAX_PIPELINED + 65536 / 16;

  private final Channel channel;

  private RestServer(Channel channel) {
    this.channel = channel;
  }

  /** Binds and starts serving; fails if the port cannot be bound. */
  public static RestServer start(
      Settings settings,
      Dispatcher dispatcher,
      CreateCollection.CollectionDefaults defaults,
      AccessControl access,
      Metrics metrics,
      EventLoopGroup boss,
      EventLoopGroup workers,
      ExecutorService executor,
      RequestLimits limits)
      throws InterruptedException {
    Router router = Router.of(access.table());
    Map<String, Router.Handler> handlers =
        new RestApi(
                dispatcher,
                defaults,
                access.auditLog().directory(),
                metrics,
                settings.downloads(),
                settings.securityCheck())
            .handlers();
    Set<String> routed = new HashSet<>();
    router.routes().forEach(r -> routed.add(r.action().operation()));
    for (String op : handlers.keySet()) {
      if (!routed.contains(op)) {
        throw new IllegalStateException("REST handler " + op + " has no entry in the action table");
      }
    }
    int maxBody = (int) Math.min(Integer.MAX_VALUE, (long) settings.maxRequestSizeMb() << 20);
    var perAddress = new ConnectionGuards.PerAddress(settings.maxConnectionsPerAddress());
    ServerBootstrap b =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(Transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            // one read takes at most 64 KiB: with reading paused past MAX_PIPELINED requests,
            // what one read holds bounds the requests decoded ahead (see MAX_DECODED_AHEAD)
            .childOption(
                ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 2048, 65536))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    var p = ch.pipeline();
                    p.addLast(perAddress);
                    if (settings.ssl() != null) {
                      p.addLast(settings.ssl().newHandler(ch.alloc()));
                    }
                    var deadline =
                        new ConnectionGuards.RequestDeadline(settings.requestTimeoutSec());
                    p.addLast(deadline.bytes());
                    p.addLast(
                        new IdleStateHandler(
                            0, 0, settings.keepAliveTimeoutSec(), TimeUnit.SECONDS));
                    p.addLast(new HttpServerCodec(new HttpDecoderConfig(), MAX_DECODED_AHEAD));
                    p.addLast(ConnectionGuards.AFTER_CODEC, deadline.headers());
                    // gzip, deflate and zstd, as Qdrant decodes them (others: 415); the body cap
                    // below applies to the decoded size
                    p.addLast(ContentEncodings.INSTANCE);
                    p.addLast(new HttpContentDecompressor(0));
                    p.addLast(new HttpObjectAggregator(maxBody));
                    p.addLast(deadline.requests());
                    p.addLast(
                        new HttpContentCompressor(
                            0, MAX_DECODED_AHEAD, (CompressionOptions[]) null));
                    if (settings.enableCors()) {
                      p.addLast(
                          new CorsHandler(
                              CorsConfigBuilder.forAnyOrigin()
                                  .allowedRequestMethods(
                                      HttpMethod.GET,
                                      HttpMethod.POST,
                                      HttpMethod.PUT,
                                      HttpMethod.PATCH,
                                      HttpMethod.DELETE,
                                      HttpMethod.OPTIONS)
                                  .allowedRequestHeaders(
                                      "content-type",
                                      "api-key",
                                      "authorization",
                                      "content-encoding")
                                  .build()));
                    }
                    p.addLast(new ChunkedWriteHandler());
                    p.addLast(new Handler(router, handlers, access, metrics, executor, limits));
                  }
                });
    Channel ch = b.bind(new InetSocketAddress(settings.host(), settings.port())).sync().channel();
    LOG.info(
        "REST listening on {}://{} ({})",
        settings.ssl() == null ? "http" : "https",
        hostPort(ch),
        Transport.name());
    return new RestServer(ch);
  }

  private static String hostPort(Channel ch) {
    InetSocketAddress a = (InetSocketAddress) ch.localAddress();
    return a.getHostString() + ":" + a.getPort();
  }

  /** The bound port (useful when 0 was asked for). */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }

  /**
   * Hands each full request to the executor, which authenticates (unless the route is open),
   * authorizes through the action table, runs the handler and audits; then writes the answer.
   */
  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Router router;
    private final Map<String, Router.Handler> handlers;
    private final AccessControl access;
    private final Metrics metrics;
    private final ExecutorService executor;
    private final RequestLimits limits;

    /** The scopes of this connection's running requests: cancelled when the client goes away. */
    private final Set<RequestScope> running = ConcurrentHashMap.newKeySet();

    private volatile boolean closed;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private final AtomicInteger inFlight = new AtomicInteger();

    Handler(
        Router router,
        Map<String, Router.Handler> handlers,
        AccessControl access,
        Metrics metrics,
        ExecutorService executor,
        RequestLimits limits) {
      this.router = router;
      this.handlers = handlers;
      this.access = access;
      this.metrics = metrics;
      this.executor = executor;
      this.limits = limits;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      closed = true;
      running.forEach(RequestScope::cancel); // their engine loops stop at the next checkpoint
      super.channelInactive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      if (ConnectionGuards.refused(ctx.channel())) {
        return; // answered and closing: what still arrives is dropped
      }
      long started = System.nanoTime();
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (req.decoderResult().isFailure()) {
        Throwable cause = req.decoderResult().cause();
        ChannelHandlerContext afterCodec = ctx.pipeline().context(ConnectionGuards.AFTER_CODEC);
        HttpResponseStatus status =
            cause instanceof TooLongHttpLineException
                ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : cause instanceof TooLongHttpHeaderException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
        String message =
            status == HttpResponseStatus.BAD_REQUEST
                ? "Bad request: malformed HTTP request"
                : "Bad request: " + status.reasonPhrase().toLowerCase(Locale.ROOT);
        if (afterCodec != null) {
          ConnectionGuards.refuse(
              afterCodec, status, message); // drains what the client still sends
        } else {
          write(ctx, RestResponse.error(status, message, started), false);
        }
        return;
      }
      QueryStringDecoder uri = new QueryStringDecoder(req.uri());
      try {
        uri.parameters(); // decoded now: a malformed escape is the client's error
      } catch (IllegalArgumentException e) {
        // answered in its turn, after the answers of the requests pipelined before it
        RestResponse malformed =
            RestResponse.error(
                HttpResponseStatus.BAD_REQUEST,
                "Bad request: malformed percent-escape in the query string",
                started);
        enqueue(ctx, keepAlive, started, () -> malformed);
        return;
      }
      Router.Match match = router.match(req.method(), uri.rawPath());
      String method = req.method().name();
      int size = req.content().readableBytes();
      HeapBudget.Reservation reservation = limits.heap().tryReserve(size);
      if (reservation == null) {
        enqueue(
            ctx,
            keepAlive,
            started,
            () -> counted(match, method, started, heapRefusal(size, started)));
        return;
      }
      var audit =
          new AccessControl.Audit(
              access.clientIp(
                  ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress(),
                  req.headers().get("forwarded"),
                  req.headers().get("x-forwarded-for")),
              req.method().name(),
              uri.rawPath(),
              req.headers().get(HttpHeaderNames.USER_AGENT),
              firstHeader(req, "x-request-id", "x-tracing-id", "traceparent"));
      var credentials =
          new Credentials(
              req.headers().get("api-key"), req.headers().get(HttpHeaderNames.AUTHORIZATION));
      Request request =
          new Request(
              match,
              uri,
              req.headers().copy(),
              ByteBufUtil.getBytes(req.content()),
              credentials,
              audit,
              started);
      boolean multipart =
          req.headers()
              .get(HttpHeaderNames.CONTENT_TYPE, "")
              .toLowerCase(Locale.ROOT)
              .startsWith("multipart/");
      enqueue(
          ctx,
          keepAlive,
          started,
          () -> {
            try (reservation) {
              // a multipart body (a snapshot upload) is copied, not parsed into a tree
              long peak = HeapBudget.peak(size, multipart ? size : JsonHeapCost.of(request.body()));
              return reservation.growTo(peak)
                  ? measured(request, method)
                  : counted(match, method, started, heapRefusal(peak, started));
            }
          });
    }

    /** The answer to a request whose body does not fit in the heap budget. */
    private RestResponse heapRefusal(long bytes, long started) {
      HeapBudget heap = limits.heap();
      return RestResponse.error(
          heap.fits(bytes)
              ? HttpResponseStatus.TOO_MANY_REQUESTS
              : HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          heap.refusal(bytes),
          started);
    }

    /**
     * Appends a request to this connection's chain. HTTP/1.1 pipelining: requests of one connection
     * are processed one after the other, in order, so a pipelined write is seen by the read after
     * it, and answers leave in order. Only the event loop touches {@code tail}; clients get
     * parallelism from more connections.
     */
    private void enqueue(
        ChannelHandlerContext ctx, boolean keepAlive, long started, Supplier<RestResponse> work) {
      if (inFlight.incrementAndGet() >= MAX_PIPELINED) {
        ctx.channel().config().setAutoRead(false); // backpressure: read again once it drains
        // the requests may have drained between the count and the pause, their completions
        // seeing reading still on: without this look they would never turn it back on, and the
        // connection would sit paused with requests left in the client's socket
        if (inFlight.get() < MAX_PIPELINED / 2) {
          ctx.channel().config().setAutoRead(true);
        }
      }
      tail =
          tail.exceptionally(e -> null)
              .thenApplyAsync(v -> work.get(), executor)
              .exceptionally(e -> unhandled(e, started))
              .thenAccept(
                  r -> {
                    if (inFlight.decrementAndGet() < MAX_PIPELINED / 2
                        && !ctx.channel().config().isAutoRead()) {
                      ctx.channel().config().setAutoRead(true);
                    }
                    inOrder(ctx, () -> write(ctx, r, keepAlive));
                  });
    }

    /**
     * The answer to a request whose work did not return one: the executor refused it (the server is
     * stopping), or it threw past the error mapping (an {@link Error}), which is logged.
     */
    private static RestResponse unhandled(Throwable e, long started) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof RejectedExecutionException) {
        return RestResponse.error(
            HttpResponseStatus.SERVICE_UNAVAILABLE, "Service unavailable: shutting down", started);
      }
      LOG.error("a request failed unexpectedly", cause);
      return RestResponse.error(
          HttpResponseStatus.INTERNAL_SERVER_ERROR,
          "Service internal error: unexpected error, see the server log",
          started);
    }

    /**
     * Runs {@code task} on the event loop behind every task queued there before it. A stage of the
     * chain runs on the thread that completes the stage before it: usually an executor thread,
     * whose writes Netty queues on the event loop, but the event loop itself when a request
     * finished before its next stage was attached. A write made there at once would overtake the
     * earlier answers still queued, and a {@code connection: close} answer would then close the
     * connection over them.
     */
    private static void inOrder(ChannelHandlerContext ctx, Runnable task) {
      ctx.executor().execute(task);
    }

    private record Request(
        Router.Match match,
        QueryStringDecoder uri,
        HttpHeaders headers,
        byte[] body,
        Credentials credentials,
        AccessControl.Audit audit,
        long started) {}

    /** Processes a request and records its response in the metrics. */
    private RestResponse measured(Request q, String method) {
      return counted(q.match(), method, q.started(), admitted(q));
    }

    /**
     * Records {@code r}, the answer to a request for {@code match} that arrived at {@code started},
     * in the metrics.
     */
    private RestResponse counted(Router.Match match, String method, long started, RestResponse r) {
      String endpoint = match == null ? "unknown" : metricsEndpoint(match.route());
      metrics.restResponse(method, endpoint, r.status().code(), System.nanoTime() - started);
      return r;
    }

    /** A route's path template as Qdrant's metrics name it: the collection parameter is {name}. */
    private static String metricsEndpoint(Router.Route route) {
      return route.template().replace("{collection_name}", "{name}");
    }

    /**
     * Runs a request in its {@link RequestScope} (its {@code timeout}, the result and condition
     * caps, cancelled if the connection closes) once the in-flight cap admits it; the open routes
     * (health checks) are always admitted.
     */
    private RestResponse admitted(Request q) {
      boolean open =
          q.match() != null && q.match().route().action().requirement() == Requirement.OPEN;
      if (open) {
        return process(q);
      }
      if (!limits.tryEnter()) {
        return RestResponse.error(
            HttpResponseStatus.TOO_MANY_REQUESTS, limits.tooManyMessage(), q.started());
      }
      RequestScope scope = null;
      try {
        scope = limits.scope(timeoutSeconds(q.uri()));
        running.add(scope);
        if (closed) {
          scope.cancel();
        }
        return scope.run(() -> process(q));
      } catch (RequestException e) {
        return HttpErrors.toResponse(e, "timeout", q.started());
      } catch (Exception e) {
        throw new IllegalStateException(e); // process() throws no checked exception
      } finally {
        if (scope != null) {
          running.remove(scope);
        }
        limits.exit();
      }
    }

    /** The {@code timeout} query parameter, in seconds (0: none), as Qdrant reads it. */
    private static long timeoutSeconds(QueryStringDecoder uri) {
      List<String> values = uri.parameters().get("timeout");
      if (values == null || values.isEmpty()) {
        return 0;
      }
      try {
        long v = Long.parseLong(values.getLast());
        if (v >= 1) {
          return v;
        }
      } catch (NumberFormatException e) {
        // answered below
      }
      throw new RequestException.Malformed(
          "Query deserialize error: timeout: invalid value, expected a positive whole number of"
              + " seconds");
    }

    private RestResponse process(Request q) {
      Router.Match match = q.match();
      Action action = match == null ? null : match.route().action();
      boolean open = action != null && action.requirement() == Requirement.OPEN;
      Principal principal = Principal.ANONYMOUS;
      AccessControl.Audit audit = q.audit();
      String collection = match == null ? null : match.params().get("collection_name");
      if (action != null) {
        audit.operation(action.operation());
        audit.collection(collection);
      }
      boolean audited = !open && AccessControl.audited(action);
      if (!open) {
        try {
          principal = access.authenticate(q.credentials());
        } catch (AuthenticationFailed e) {
          HttpResponseStatus status =
              e.forbidden() ? HttpResponseStatus.FORBIDDEN : HttpResponseStatus.UNAUTHORIZED;
          if (audited) {
            access.record(audit, status.code(), "Unauthorized: " + e.getMessage());
          }
          return RestResponse.text(status, e.getMessage());
        }
        audit.principal(principal);
      }
      if (match == null) {
        return RestResponse.error(
            HttpResponseStatus.NOT_FOUND, "Not found: no such route", q.started());
      }
      RestResponse response;
      try {
        // one parse of the body serves the access check and the handler
        var request =
            new RestRequest(
                action.operation(),
                principal,
                match.params(),
                q.uri().parameters(),
                q.headers(),
                q.body(),
                q.started());
        if (!open) {
          List<String> lookups = List.of();
          if (Lookups.relevant(action.operation())) {
            try {
              lookups = Lookups.of(request.json());
            } catch (RequestException e) {
              // the handler answers malformed bodies
            }
          }
          access.authorize(principal, action, collection, lookups);
        }
        Router.Handler handler = handlers.get(action.operation());
        if (handler == null) {
          response =
              // refused as a request Quiver does not serve, never a 5xx: the node is fine
              RestResponse.error(
                  HttpResponseStatus.BAD_REQUEST,
                  "Bad request: the operation "
                      + action.operation()
                      + " is not supported by Quiver",
                  q.started());
        } else {
          response = handler.handle(request);
        }
      } catch (Forbidden f) {
        if (audited) {
          access.record(audit, 403, "Forbidden: " + f.getMessage());
        }
        return HttpErrors.toResponse(f, action.operation(), q.started());
      } catch (Exception | AssertionError e) {
        response = HttpErrors.toResponse(e, action.operation(), q.started());
      }
      if (audited) {
        access.record(audit, response.status().code(), null);
      }
      return response;
    }

    private static String firstHeader(FullHttpRequest req, String... names) {
      for (String n : names) {
        String v = req.headers().get(n);
        if (v != null) {
          return v;
        }
      }
      return null;
    }

    private static void write(ChannelHandlerContext ctx, RestResponse r, boolean keepAlive) {
      if (r.file() != null) {
        writeFile(ctx, r.file(), keepAlive, r.temporary());
        return;
      }
      FullHttpResponse res =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, r.status(), Unpooled.wrappedBuffer(r.body()));
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
      r.headers().forEach((name, value) -> res.headers().set(name, value));
      HttpUtil.setContentLength(res, r.body().length);
      if (keepAlive) {
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(res);
      } else {
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
      }
    }

    private static void writeFile(
        ChannelHandlerContext ctx, Path file, boolean keepAlive, boolean temporary) {
      RandomAccessFile raf;
      long length;
      try {
        raf = new RandomAccessFile(file.toFile(), "r");
        length = raf.length();
      } catch (IOException e) {
        LOG.error("cannot open {} for download: {}", file, e.toString());
        if (temporary) {
          SnapshotStore.deleteQuietly(file);
        }
        write(
            ctx,
            RestResponse.error(
                HttpResponseStatus.INTERNAL_SERVER_ERROR,
                "Service internal error: cannot read the snapshot file",
                System.nanoTime()),
            keepAlive);
        return;
      }
      var res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
      res.headers()
          .set(
              HttpHeaderNames.CONTENT_DISPOSITION,
              "attachment; filename=\"" + file.getFileName() + "\"");
      HttpUtil.setContentLength(res, length);
      if (keepAlive) {
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      }
      ctx.write(res);
      try {
        var done =
            ctx.writeAndFlush(new HttpChunkedInput(new ChunkedFile(raf, 0, length, 1 << 16)));
        if (temporary) {
          done.addListener(f -> SnapshotStore.deleteQuietly(file));
        }
        if (!keepAlive) {
          done.addListener(ChannelFutureListener.CLOSE);
        }
      } catch (IOException e) {
        if (temporary) {
          SnapshotStore.deleteQuietly(file);
        }
        ctx.close();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        if (inFlight.get() == 0) { // idle keep-alive connection, not a slow request
          ctx.close();
        }
      } else if (evt instanceof ChannelInputShutdownEvent) {
        // the client sent its last request and half-closed: answer what it sent, then close
        // (the tail is touched on the event loop only, as in channelRead0); the close follows an
        // empty write, so it waits for the answers still queued behind a full socket buffer
        tail.whenComplete(
            (v, e) ->
                inOrder(
                    ctx,
                    () ->
                        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER)
                            .addListener(ChannelFutureListener.CLOSE)));
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("REST connection error: {}", cause.toString());
      if (ConnectionGuards.refused(ctx.channel())) {
        return; // the rest of a refused request failing to decode too
      }
      ChannelHandlerContext afterCodec = ctx.pipeline().context(ConnectionGuards.AFTER_CODEC);
      if (cause instanceof DecoderException && ctx.channel().isActive() && afterCodec != null) {
        // a body that does not decode as its Content-Encoding says: answer, then close (the
        // decoder's state is lost, so the connection cannot carry another request)
        ConnectionGuards.refuse(
            afterCodec,
            HttpResponseStatus.BAD_REQUEST,
            "Bad request: the body does not decode as its Content-Encoding says");
        return;
      }
      ctx.close();
    }
  }
}
