package dev.quiver.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay standing for the network between one peer and another: every connection the first
 * opens to the second goes through it, and the test changes what each direction does to the bytes
 * while they flow. {@link #forward} carries what the connecting peer sends, {@link #backward} what
 * it receives. A blocked direction holds its bytes (a partition: nothing arrives, nothing is lost,
 * the flow resumes when healed unless a side gave up on the connection meanwhile); a delay holds
 * each chunk that long; loss delays a chunk by a retransmission timeout with the given probability
 * (what a lost segment costs a TCP stream); a bandwidth paces the bytes. Order is kept. The random
 * choices come from a seeded generator. Thread-safe.
 */
final class FaultProxy implements AutoCloseable {
  /** What a lost TCP segment costs: Linux' minimum retransmission timeout. */
  static final long RETRANSMIT_MILLIS = 200;

  private static final int CHUNK = 16 * 1024;
  private static final int QUEUED_CHUNKS = 256;

  final Direction forward;
  final Direction backward;
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** Listens on {@code listen} and relays each connection to {@code target}. */
  FaultProxy(InetSocketAddress listen, InetSocketAddress target, long seed) throws IOException {
    this.target = target;
    this.forward = new Direction(new Random(seed));
    this.backward = new Direction(new Random(seed * 31 + 7));
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(listen, 64);
    Thread.ofVirtual().name("fault-proxy-accept-" + listen).start(this::accept);
  }

  /** Both directions back to a clean link. */
  void heal() {
    forward.clear();
    backward.clear();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(target, 5_000);
      } catch (IOException e) {
        quietly(client); // the peer is down: the connecting side sees the connection closed
        quietly(upstream);
        continue;
      }
      sockets.add(client);
      sockets.add(upstream);
      Runnable cut =
          () -> {
            quietly(client);
            quietly(upstream);
            sockets.remove(client);
            sockets.remove(upstream);
          };
      pipe(client, upstream, forward, cut);
      pipe(upstream, client, backward, cut);
    }
  }

  /** Copies {@code from} to {@code to} through {@code direction}'s conditions. */
  private static void pipe(Socket from, Socket to, Direction direction, Runnable cut) {
    BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
    Thread.ofVirtual()
        .start(
            () -> {
              long lastDue = 0;
              try (InputStream in = from.getInputStream()) {
                byte[] buffer = new byte[CHUNK];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  long due = Math.max(lastDue, System.nanoTime() + direction.holdNanos());
                  lastDue = due;
                  queue.put(new Chunk(Arrays.copyOf(buffer, n), due));
                }
                queue.put(Chunk.END);
              } catch (IOException | InterruptedException e) {
                queue.offer(Chunk.END);
                cut.run();
              }
            });
    Thread.ofVirtual()
        .start(
            () -> {
              try (OutputStream out = to.getOutputStream()) {
                while (true) {
                  Chunk c = queue.take();
                  if (c == Chunk.END) {
                    to.shutdownOutput();
                    return;
                  }
                  direction.awaitOpen();
                  long wait = c.due() - System.nanoTime();
                  if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                  }
                  direction.pace(c.bytes().length);
                  out.write(c.bytes());
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                cut.run();
              }
            });
  }

  private record Chunk(byte[] bytes, long due) {
    static final Chunk END = new Chunk(new byte[0], 0);
  }

  /** What one direction of the link does to the bytes; changed by the test at any time. */
  static final class Direction {
    private final Random random;
    private boolean blocked; // guarded by this
    private volatile long delayNanos;
    private volatile double loss;
    private volatile long bytesPerSecond;

    private Direction(Random random) {
      this.random = random;
    }

    /** Holds everything until {@link #unblock()}: a partition in this direction. */
    synchronized void block() {
      blocked = true;
    }

    synchronized void unblock() {
      blocked = false;
      notifyAll();
    }

    /** Each chunk arrives {@code millis} late. */
    void delay(long millis) {
      delayNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** A chunk is lost (and sent again a retransmission timeout later) with this probability. */
    void loss(double probability) {
      loss = probability;
    }

    /** At most this many bytes a second (0: unlimited). */
    void bandwidth(long bytesPerSecond) {
      this.bytesPerSecond = bytesPerSecond;
    }

    void clear() {
      delay(0);
      loss(0);
      bandwidth(0);
      unblock();
    }

    private long holdNanos() {
      long hold = delayNanos;
      double p = loss;
      if (p > 0) {
        boolean lost;
        synchronized (random) {
          lost = random.nextDouble() < p;
        }
        if (lost) {
          hold += TimeUnit.MILLISECONDS.toNanos(RETRANSMIT_MILLIS);
        }
      }
      return hold;
    }

    private synchronized void awaitOpen() throws InterruptedException {
      while (blocked) {
        wait();
      }
    }

    private void pace(int bytes) throws InterruptedException {
      long rate = bytesPerSecond;
      if (rate > 0) {
        TimeUnit.NANOSECONDS.sleep(bytes * 1_000_000_000L / rate);
      }
    }
  }

  private static void quietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing only
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    heal();
    server.close();
    sockets.forEach(FaultProxy::quietly);
  }
}
