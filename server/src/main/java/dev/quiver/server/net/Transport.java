package dev.quiver.server.net;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The event loops' I/O: Linux epoll through Netty's native transport where its library loads (fewer
 * system calls and allocations per read, write and wake-up than the JDK selector), the JDK's NIO
 * elsewhere. The REST and gRPC edges share the loops, so they share the choice. Stateless (static
 * methods only), so thread-safe.
 */
public final class Transport {
  private static final boolean EPOLL = Epoll.isAvailable();

  private Transport() {}

  public static IoHandlerFactory ioHandlers() {
    return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  public static Class<? extends ServerChannel> serverChannel() {
    return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** {@code epoll} or {@code nio}, for the start-up log. */
  public static String name() {
    return EPOLL ? "epoll" : "nio";
  }
}
