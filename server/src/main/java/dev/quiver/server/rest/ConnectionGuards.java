package dev.quiver.server.rest;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What keeps slow or greedy clients from holding the REST port: a cap on connections per client
 * address, and a deadline for receiving each request whole (headers and body), so a client that
 * sends a request a byte at a time (slowloris) is answered 408 and disconnected instead of holding
 * a descriptor forever.
 */
final class ConnectionGuards {
  private ConnectionGuards() {}

  /** The name of the handler just after the HTTP codec in the REST pipeline. */
  static final String AFTER_CODEC = "after-codec";

  /** Set on a channel once it has been refused: nothing more is read into requests. */
  static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("quiver.refused");

  /** How long a refused connection is kept to drain what the client still sends. */
  static final long LINGER_SECONDS = 2;

  /** Whether {@link #refuse} answered this channel already. */
  static boolean refused(Channel ch) {
    return Boolean.TRUE.equals(ch.attr(REFUSED).get());
  }

  /**
   * Answers an error in Qdrant's envelope and ends the connection, from {@code afterCodec} (the
   * handler just after the HTTP codec): below the handlers that pair each response with a request,
   * for errors that come before there is a request to pair with. The close lingers: the answer is
   * sent, the sending side shut, and what the client still sends is read and dropped for {@link
   * #LINGER_SECONDS}, so the client reads the answer instead of a reset.
   */
  static void refuse(ChannelHandlerContext afterCodec, HttpResponseStatus status, String message) {
    Channel ch = afterCodec.channel();
    if (refused(ch)) {
      return;
    }
    ch.attr(REFUSED).set(true);
    ch.config().setAutoRead(true);
    var o = Json.MAPPER.createObjectNode();
    o.putObject("status").put("error", message);
    o.put("time", 0.0);
    byte[] body = Json.bytes(o);
    FullHttpResponse res =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    HttpUtil.setContentLength(res, body.length);
    afterCodec
        .writeAndFlush(res)
        .addListener(
            f -> {
              if (ch instanceof SocketChannel socket && f.isSuccess()) {
                socket.shutdownOutput();
                ch.eventLoop().schedule(() -> ch.close(), LINGER_SECONDS, TimeUnit.SECONDS);
              } else {
                ch.close();
              }
            });
  }

  /**
   * Refuses a connection from an address that holds {@code max} already: it is closed at once.
   * Shared by every channel of the server; thread-safe.
   */
  @ChannelHandler.Sharable
  static final class PerAddress extends ChannelInboundHandlerAdapter {
    private final int max;
    private final ConcurrentHashMap<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();

    PerAddress(int max) {
      this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      InetAddress a = address(ctx);
      int n = open.computeIfAbsent(a, k -> new AtomicInteger()).incrementAndGet();
      if (n > max) {
        ctx.close(); // channelInactive gives the count back
        return;
      }
      super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      InetAddress a = address(ctx);
      open.computeIfPresent(a, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
      super.channelInactive(ctx);
    }

    /** Connections open from {@code a} now. */
    int open(InetAddress a) {
      AtomicInteger c = open.get(a);
      return c == null ? 0 : c.get();
    }

    private static InetAddress address(ChannelHandlerContext ctx) {
      return ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
    }
  }

  /**
   * One connection's read deadlines. A request's headers must arrive whole within the timeout of
   * their first byte (slowloris sends them a byte at a time); after that its body must keep coming,
   * never pausing longer than the timeout. When a deadline passes, the client gets 408 and the
   * connection is closed. {@link #bytes()} sits before the HTTP codec, {@link #headers()} after it,
   * {@link #requests()} after the aggregator. Not thread-safe: the channel's event loop drives it.
   */
  static final class RequestDeadline {
    private enum Phase {
      IDLE,
      HEADERS,
      BODY
    }

    private final long timeoutSeconds;
    private ChannelHandlerContext ctx;
    private ChannelHandlerContext codec; // just after the HTTP codec: where the 408 is written
    private ScheduledFuture<?> pending;
    private Phase phase = Phase.IDLE;

    RequestDeadline(long timeoutSeconds) {
      this.timeoutSeconds = timeoutSeconds;
    }

    /** Sees the raw bytes: the first of a request starts the header deadline. */
    ChannelHandler bytes() {
      return new ChannelInboundHandlerAdapter() {
        @Override
        public void handlerAdded(ChannelHandlerContext c) {
          ctx = c;
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) throws Exception {
          switch (phase) {
            case IDLE -> {
              phase = Phase.HEADERS;
              arm();
            }
            case BODY -> arm(); // bytes came: the body is still moving
            case HEADERS -> {} // the header deadline runs from the first byte
          }
          super.channelRead(c, msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) throws Exception {
          disarm();
          super.channelInactive(c);
        }
      };
    }

    /** Sees decoded requests: headers complete, the body's idle deadline starts. */
    ChannelHandler headers() {
      return new ChannelInboundHandlerAdapter() {
        @Override
        public void handlerAdded(ChannelHandlerContext c) {
          codec = c;
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) throws Exception {
          if (msg instanceof HttpRequest) {
            phase = Phase.BODY;
            arm();
          }
          super.channelRead(c, msg);
        }
      };
    }

    /** Sees whole requests: nothing more to wait for. */
    ChannelHandler requests() {
      return new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) throws Exception {
          if (msg instanceof FullHttpRequest) {
            phase = Phase.IDLE;
            disarm();
          }
          super.channelRead(c, msg);
        }
      };
    }

    private void arm() {
      disarm();
      pending = ctx.executor().schedule(this::expire, timeoutSeconds, TimeUnit.SECONDS);
    }

    private void disarm() {
      if (pending != null) {
        pending.cancel(false);
        pending = null;
      }
    }

    private void expire() {
      pending = null;
      if (ctx.channel().isActive() && !ctx.channel().config().isAutoRead()) {
        arm(); // reading is paused by this server (pipelining backpressure), not by the client
        return;
      }
      if (ctx.channel().isActive()) {
        refuse(
            codec,
            HttpResponseStatus.REQUEST_TIMEOUT,
            "Request timeout: the request did not arrive within "
                + timeoutSeconds
                + " seconds (service.http_client_request_timeout_sec)");
      }
    }
  }
}
