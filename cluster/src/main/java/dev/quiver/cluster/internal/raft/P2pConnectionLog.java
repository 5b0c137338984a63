package dev.quiver.cluster.internal.raft;

import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.thirdparty.io.netty.channel.Channel;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelHandlerContext;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.ratis.thirdparty.io.netty.channel.EventLoopGroup;
import org.apache.ratis.thirdparty.io.netty.channel.nio.NioEventLoopGroup;
import org.apache.ratis.thirdparty.io.netty.channel.socket.nio.NioServerSocketChannel;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.NotSslRecordException;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslHandler;

/**
 * Logs every refused connection to the P2P port with the remote address and the reason — a
 * plain-text peer, a peer without a certificate or with one from another CA. A server-side TLS
 * engine does not know its peer, and gRPC reports a failed handshake without it, so every accepted
 * connection gets a first handler that watches the handshake of the TLS handler behind it.
 *
 * <p>Installed through Ratis' {@link GrpcServices.Customizer}; it gives the server its own NIO
 * event loops (gRPC requires the channel type and the loops to be set together), which {@link
 * #close()} shuts down.
 */
final class P2pConnectionLog implements GrpcServices.Customizer, AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(P2pConnectionLog.class);

  private final List<EventLoopGroup> groups = new CopyOnWriteArrayList<>();
  private final ServerInterceptor binding;
  private final ServerInterceptor adminAudit;

  /**
   * @param binding checks each call's peer certificate, or null for none (plain-text P2P)
   * @param adminAudit records the admin calls the binding let through
   */
  P2pConnectionLog(ServerInterceptor binding, ServerInterceptor adminAudit) {
    this.binding = binding;
    this.adminAudit = adminAudit;
  }

  @Override
  public NettyServerBuilder customize(
      NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) {
    EventLoopGroup boss = new NioEventLoopGroup(1);
    EventLoopGroup workers = new NioEventLoopGroup();
    groups.add(boss);
    groups.add(workers);
    builder
        .channelFactory(MarkingServerChannel::new)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers);
    // the interceptor added last runs first: the certificate check, then the admin audit
    builder.intercept(adminAudit);
    return binding == null ? builder : builder.intercept(binding);
  }

  @Override
  public void close() {
    for (EventLoopGroup g : groups) {
      g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    groups.clear();
  }

  /** Puts a {@link RemoteMarker} first in every accepted connection's pipeline. */
  private static final class MarkingServerChannel extends NioServerSocketChannel {
    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
      int before = buf.size();
      int n = super.doReadMessages(buf);
      for (int i = before; i < buf.size(); i++) {
        ((Channel) buf.get(i)).pipeline().addFirst("quiver-remote", new RemoteMarker());
      }
      return n;
    }
  }

  /** Logs a failed handshake of its connection, with the address. */
  private static final class RemoteMarker extends ChannelInboundHandlerAdapter {
    private boolean watching;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!watching) {
        watching = true;
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls != null) {
          tls.handshakeFuture()
              .addListener(
                  f -> {
                    if (!f.isSuccess()) {
                      LOG.warn(
                          "P2P: refused a connection from {}: TLS handshake failed: {}",
                          ctx.channel().remoteAddress(),
                          reason(f.cause()));
                    }
                  });
        }
      }
      ctx.fireChannelRead(msg);
    }

    private static String reason(Throwable t) {
      if (t instanceof NotSslRecordException) {
        return "the peer does not speak TLS (plain text)";
      }
      Throwable root = t;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
  }
}
