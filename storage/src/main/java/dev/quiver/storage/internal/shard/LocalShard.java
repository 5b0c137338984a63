package dev.quiver.storage.internal.shard;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.ShardWriter;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.TextAnalyzer;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.storage.internal.files.Archives;
import dev.quiver.storage.internal.files.Codec;
import dev.quiver.storage.internal.files.DiskRoom;
import dev.quiver.storage.internal.hnsw.HnswIndex;
import dev.quiver.storage.internal.payload.Filters;
import dev.quiver.storage.internal.payload.PayloadIndexes;
import dev.quiver.storage.internal.payload.PayloadLog;
import dev.quiver.storage.internal.payload.Payloads;
import dev.quiver.storage.internal.space.HeapSpace;
import dev.quiver.storage.internal.space.IndexThreads;
import dev.quiver.storage.internal.space.MultiSpace;
import dev.quiver.storage.internal.space.SparseSpace;
import dev.quiver.storage.internal.space.VectorSpace;
import dev.quiver.storage.internal.vector.Epochs;
import dev.quiver.storage.internal.wal.Wal;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.ZipOutputStream;
import org.apache.logging.log4j.LogManager;

/**
 * A shard held in memory and made durable by its WAL (or by the Raft log of its group): every
 * operation is logged before it is applied, checkpoints bound the log, and opening the shard loads
 * the last checkpoint and replays the log after it. This class owns the shard's state and its write
 * path (validation through {@link VectorChecks}, apply, checkpoints, snapshots); the reads are
 * {@link ShardSearch}'s, the layout of its files {@link ShardFiles}'. Thread-safe: writes are
 * serialised on {@code writeLock}; reads run lock-free over concurrent maps of immutable {@link
 * Stored} entries.
 */
public final class LocalShard implements ShardReader, ShardWriter, AutoCloseable {

  volatile CollectionConfig config;
  final Map<String, VectorSpace> spaces = new HashMap<>();
  final Map<String, SparseSpace> sparseSpaces = new ConcurrentHashMap<>();
  final Map<String, MultiSpace> multiSpaces = new ConcurrentHashMap<>();
  final Map<PointId, Stored> points = new ConcurrentHashMap<>();

  /** Every point id, in order: scroll pages without sorting the points. */
  final ConcurrentSkipListSet<PointId> order = new ConcurrentSkipListSet<>();

  /**
   * Reads that see vector slots hold an epoch, so that no slot they see is used again meanwhile.
   */
  final Epochs epochs = new Epochs();

  final PayloadIndexes indexes;
  private volatile Map<String, TextAnalyzer> textFields = Map.of();
  private final Object writeLock = new Object();
  private final Wal wal;

  /**
   * The points' payloads in bytes of their compact serialized form (strict mode's payload size).
   */
  private final LongAdder payloadBytes = new LongAdder();

  private final ShardSearch reads = new ShardSearch(this);
  private final Path dir;
  final ShardFiles files;
  private long checkpointed; // guarded by writeLock

  /** When the next checkpoint is due; guarded by writeLock. */
  private final CheckpointPacing pacing = new CheckpointPacing(System::nanoTime);

  /**
   * A writer is flushing the vectors ahead of the checkpoint it will take; guarded by writeLock.
   */
  private boolean checkpointClaimed;

  volatile long lastApplied; // written under writeLock

  /** Why this shard takes no more writes (an op logged but applied only in part); else null. */
  private volatile String failure;

  /** Whether the shard's disk has room for a write before it is logged. */
  private final DiskRoom room;

  /**
   * True when an outside log (a Raft group) is the durable record of this shard's operations: it
   * then writes no WAL of its own, and {@link #flush()} takes a checkpoint instead.
   */
  private final boolean externalLog;

  private final IndexThreads indexThreads;

  /** Where payloads live when {@code on_disk_payload} is on: working files, rebuilt at open. */
  private final PayloadLog payloadLog;

  /** A shard on its own, with index threads of its own. */
  public LocalShard(Path dir, CollectionConfig config) {
    this(dir, config, false);
  }

  /** As {@link #LocalShard(Path, CollectionConfig)}, without a WAL when {@code externalLog}. */
  public LocalShard(Path dir, CollectionConfig config, boolean externalLog) {
    this(dir, config, externalLog, new IndexThreads());
  }

  /**
   * A shard of a collection: its graphs are built on {@code threads}, which its creator shares.
   *
   * @param externalLog no WAL: the shard's operations are kept by a Raft log
   */
  public LocalShard(Path dir, CollectionConfig config, boolean externalLog, IndexThreads threads) {
    this(dir, config, externalLog, threads, new PayloadLog(dir.resolve(ShardFiles.PAYLOAD_DIR)));
  }

  /** As above, with its payloads on disk in {@code payloadLog} (tests size its chunks). */
  LocalShard(
      Path dir,
      CollectionConfig config,
      boolean externalLog,
      IndexThreads threads,
      PayloadLog payloadLog) {
    this.indexThreads = threads;
    this.externalLog = externalLog;
    this.config = config;
    this.dir = dir;
    this.room = new DiskRoom(dir);
    this.payloadLog = payloadLog;
    this.indexes = new PayloadIndexes(dir.resolve(ShardFiles.PAYLOAD_INDEX_DIR));
    this.files = new ShardFiles(dir, config);
    if (Checkpoint.exists(dir)) {
      long[] applied = {0};
      Checkpoint.read(
          dir,
          new Checkpoint.Restorer() {
            @Override
            public void appliedOp(long op) {
              applied[0] = op;
            }

            @Override
            public void space(String name, int size, DataInputStream graph) throws IOException {
              if (!config.vectors().containsKey(name)) {
                HnswIndex.skip(graph); // a vector deleted since
                return;
              }
              newSpace(name, size).index.read(graph);
            }

            @Override
            public void sparseSpace(String name, DataInputStream in) throws IOException {
              var params = config.sparseVectors().get(name);
              SparseSpace space =
                  params == null
                      ? new SparseSpace(SparseVectorParams.DEFAULT, null)
                      : new SparseSpace(params, files.sparseIndexDir(name));
              space.read(in);
              if (params != null) { // else a sparse vector deleted since: read past it
                sparseSpaces.put(name, space);
              }
            }

            @Override
            public void multiSpace(String name, DataInputStream in) throws IOException {
              VectorParams params = config.vectors().get(name);
              boolean kept = params != null && params.multivector();
              MultiSpace space = kept ? newMultiSpace(name, params, config) : new MultiSpace();
              space.read(in);
              if (kept) { // else a multivector deleted since: read past it
                multiSpaces.put(name, space);
              }
            }

            @Override
            public void tenantLinks(String name, DataInputStream in) throws IOException {
              VectorSpace space = spaces.get(name);
              if (space != null) {
                space.readTenants(in);
              } else {
                VectorSpace.skipTenants(in); // a vector deleted since
              }
            }

            @Override
            public void point(Checkpoint.PointState p) {
              Map<String, Integer> slots = new HashMap<>();
              p.slots()
                  .forEach(
                      (name, slot) -> {
                        if (spaces.containsKey(name)) {
                          spaces.get(name).restoreOwner(slot, p.id());
                          slots.put(name, slot);
                        } else if (heapSpace(name) != null) {
                          slots.put(name, heapSpace(name).restore(slot, p.id()));
                        } // else a vector deleted since
                      });
              store(stored(p.id(), p.version(), slots, p.payload()));
            }
          });
      lastApplied = applied[0];
      checkpointed = lastApplied;
    }
    for (var e : new TreeMap<>(config.vectors()).entrySet()) {
      if (e.getValue().multivector()) {
        multiSpaces.computeIfAbsent(e.getKey(), k -> newMultiSpace(k, e.getValue(), config));
      } else if (!spaces.containsKey(e.getKey())) {
        newSpace(e.getKey(), 0);
      }
    }
    spaces.values().forEach(VectorSpace::restored);
    sparseSpaces.values().forEach(SparseSpace::restored);
    multiSpaces.values().forEach(MultiSpace::restored);
    config
        .sparseVectors()
        .forEach(
            (name, p) ->
                sparseSpaces.computeIfAbsent(
                    name, k -> new SparseSpace(p, files.sparseIndexDir(name))));
    this.wal =
        Wal.open(
            dir.resolve("wal"),
            (long) config.wal().walCapacityMb() << 20,
            (opNum, body) -> replay(dir, opNum, body));
  }

  /** Opens the space of vector {@code name} (its directory numbered in {@code vectors/names}). */
  private VectorSpace newSpace(String name, int restoredSize) {
    VectorParams params = config.vectors().get(name);
    VectorSpace space =
        new VectorSpace(
            files.vectorDir(name),
            files.graphDir(name),
            files.tenantLinksDir(name),
            params,
            params.hnswOr(config.hnsw()),
            config.optimizers().indexingThreshold(),
            restoredSize,
            epochs,
            indexThreads,
            config.quantizationOf(name));
    space.setVacuum(
        config.optimizers().deletedThreshold(), config.optimizers().vacuumMinVectorNumber());
    spaces.put(name, space);
    return space;
  }

  /**
   * A multivector space for vector {@code name} of collection {@code c}, its graph's files numbered
   * as a dense one's.
   */
  private MultiSpace newMultiSpace(String name, VectorParams params, CollectionConfig c) {
    return new MultiSpace(
        params, params.hnswOr(c.hnsw()), c.optimizers(), files.graphDir(name), indexThreads);
  }

  /**
   * Writes a checkpoint at the last applied op and drops the WAL segments it covers. Runs under the
   * write lock: forces the vector chunks, writes {@code checkpoint.bin} atomically, then truncates
   * the log; a crash between the steps leaves a log whose old records are skipped.
   */
  void checkpoint() {
    synchronized (writeLock) {
      if (checkpointed == lastApplied) {
        return;
      }
      long started = System.nanoTime();
      // the graph is written as it stands: slots the indexer has not reached yet are found
      // pending on reload and indexed then, so writes never wait here for the graph to catch up
      spaces.values().forEach(VectorSpace::force);
      long forced = System.nanoTime();
      // streamed: the points are not copied (writes wait on the lock, so none change meanwhile)
      Checkpoint.write(
          dir,
          lastApplied,
          spaces,
          sparseSpaces,
          multiSpaces,
          () ->
              points.values().stream()
                  .map(s -> new Checkpoint.PointState(s.id(), s.version(), s.payload(), s.slots()))
                  .iterator(),
          points.size());
      wal.dropCovered(config.wal().walRetainClosed());
      checkpointed = lastApplied;
      long took = System.nanoTime() - started;
      long bytes;
      try {
        bytes = Files.size(dir.resolve(Checkpoint.FILE));
      } catch (IOException e) {
        bytes = 0;
      }
      pacing.taken(took, bytes, (long) config.wal().walCapacityMb() << 20);
      if (took > 1_000_000_000L) { // writes to this shard waited that long
        LogManager.getLogger(LocalShard.class)
            .warn(
                "checkpoint of {} ({} points) took {} ms, {} ms of them forcing the vectors",
                dir,
                points.size(),
                took / 1_000_000,
                (forced - started) / 1_000_000);
      }
    }
  }

  /**
   * Writes this shard's files into {@code zip} under {@code prefix}, as of one moment, without
   * holding writes up for the copy: under the write lock it takes a checkpoint, so the files hold
   * every applied op, and records what to copy — a hard link to each file (a later checkpoint
   * replaces files by renaming, so the link keeps this one's content) and its length now (the WAL
   * and the vector chunks only grow past it). The copy runs after the lock is released, inside a
   * read epoch, so no vector slot it copies is reused meanwhile. Vector chunks are copied up to
   * their last vector, not at their mapped size: the archive is bounded by the data. A file system
   * without hard links gets the file copied under the lock instead.
   */
  public void snapshotTo(ZipOutputStream zip, String prefix) throws IOException {
    record Part(String name, Path source, long length) {}
    List<Part> parts = new ArrayList<>();
    Path links = dir.resolveSibling(".snapshot-" + dir.getFileName() + "-" + System.nanoTime());
    int token = epochs.enter();
    try {
      synchronized (writeLock) {
        checkpointed = -1; // force a fresh checkpoint even when nothing changed since the last
        checkpoint();
        wal.force();
        try (var walked = Files.walk(dir)) {
          // rebuilt at open: sparse indexes from the vectors, graph and payload files from the
          // checkpoint
          for (Path f :
              walked.filter(f -> Files.isRegularFile(f) && !files.derived(f)).sorted().toList()) {
            String name = prefix + dir.relativize(f).toString().replace('\\', '/');
            long length = Files.size(f);
            for (VectorSpace space : spaces.values()) {
              long used = space.usedBytes(f);
              if (used >= 0) {
                length = Math.min(length, used);
              }
            }
            Path link = links.resolve(dir.relativize(f));
            try {
              Files.createDirectories(link.getParent());
              Files.createLink(link, f);
              parts.add(new Part(name, link, length));
            } catch (UnsupportedOperationException | IOException linkRefused) {
              // this file system has no hard links: the file is copied now, under the lock
              ShardFiles.copyPrefix(zip, name, f, length);
            }
          }
        }
      }
      for (Part p : parts) {
        ShardFiles.copyPrefix(zip, p.name(), p.source(), p.length());
      }
    } finally {
      epochs.exit(token);
      Archives.deleteRecursively(links);
    }
  }

  private void replay(Path dir, long opNum, byte[] body) {
    if (opNum <= lastApplied) {
      return;
    }
    UpdateOp op;
    try {
      op = Codec.decodeOp(body);
    } catch (Codec.DecodeException e) {
      throw new StorageException.Corrupted(
          dir.resolve("wal"), "op " + opNum + ": " + e.getMessage());
    }
    applyInMemory(opNum, op);
    lastApplied = opNum;
  }

  // ---- ShardWriter ----

  @Override
  public boolean apply(long opNum, UpdateOp op) {
    List<VectorSpace> flushFirst;
    synchronized (writeLock) {
      if (opNum <= lastApplied) {
        return false;
      }
      if (failure != null) {
        throw new StorageException.Io(failure, null);
      }
      UpdateOp prepared = prepare(op);
      if (!externalLog) {
        byte[] record = Codec.encode(prepared);
        room.require(record.length);
        wal.append(opNum, record);
      }
      try {
        applyInMemory(opNum, prepared);
      } catch (RuntimeException | InternalError e) {
        // logged (or committed) but applied only in part: what memory holds is no longer what the
        // log says, so no more writes land on it; a restart rebuilds the shard from its log. The
        // number is used: a later op under the same number would be skipped by the replay.
        lastApplied = opNum;
        failure =
            "shard "
                + dir
                + " takes no more writes: op "
                + opNum
                + " is logged but could not be applied ("
                + e.getMessage()
                + "); restart the node to rebuild the shard from its log";
        LogManager.getLogger(LocalShard.class).error(failure, e);
        throw new StorageException.Io(failure, e);
      }
      lastApplied = opNum;
      if (externalLog || checkpointClaimed || !pacing.due(wal.uncoveredSegments())) {
        return true;
      }
      checkpointClaimed = true; // this writer takes it; the others go on meanwhile
      flushFirst = List.copyOf(spaces.values());
    }
    try {
      // the vectors written since the last checkpoint go to disk while other writes go on, so
      // that the checkpoint's own force, under the lock, finds only what was written meanwhile
      for (VectorSpace space : flushFirst) {
        space.force();
      }
    } catch (RuntimeException e) {
      // closed meanwhile, or an I/O error the checkpoint's own force reports
    }
    synchronized (writeLock) {
      checkpointClaimed = false;
      if (failure != null || !pacing.due(wal.uncoveredSegments())) {
        return true;
      }
      try {
        checkpoint();
      } catch (StorageException e) {
        // the op is applied and in the WAL, so it stands; the checkpoint is tried again once
        // another segment has filled (a full disk: once space is back)
        pacing.failed(wal.uncoveredSegments());
        LogManager.getLogger(LocalShard.class)
            .warn("checkpoint of {} failed, the WAL keeps every op: {}", dir, e.getMessage());
      }
      return true;
    }
  }

  /**
   * Takes a changed configuration of the collection (the vectors' names, sizes and distances never
   * change): the indexing threshold applies at once, the HNSW search defaults to new searches; the
   * graph keeps the {@code m} and {@code ef_construct} it was built with.
   */
  public void updateConfig(CollectionConfig next) {
    synchronized (writeLock) {
      for (var e : next.vectors().entrySet()) {
        String name = e.getKey();
        if (e.getValue().multivector()) {
          multiSpaces.computeIfAbsent(name, k -> newMultiSpace(k, e.getValue(), next));
        } else if (!spaces.containsKey(name)) { // a named vector added: an empty space
          config = next;
          newSpace(name, 0);
        }
      }
      next.sparseVectors()
          .forEach(
              (name, params) -> {
                SparseSpace sparse = sparseSpaces.get(name);
                if (sparse == null) {
                  // a sparse vector added
                  sparseSpaces.put(name, new SparseSpace(params, files.sparseIndexDir(name)));
                } else {
                  sparse.params(params);
                }
              });
      for (String name : new ArrayList<>(spaces.keySet())) {
        if (!next.vectors().containsKey(name)) {
          deleteVector(name);
        }
      }
      for (String name : new ArrayList<>(sparseSpaces.keySet())) {
        if (!next.sparseVectors().containsKey(name)) {
          deleteHeapVector(sparseSpaces, name);
        }
      }
      for (String name : new ArrayList<>(multiSpaces.keySet())) {
        if (!next.vectors().containsKey(name)) {
          deleteHeapVector(multiSpaces, name);
        }
      }
      PayloadLog disk = next.onDiskPayload() ? payloadLog : null;
      boolean changed = config.onDiskPayload() != next.onDiskPayload();
      config = next;
      if (changed) { // on_disk_payload turned: every payload held the other way
        points.replaceAll(
            (id, s) -> {
              Stored held = s.held(disk);
              if (held != s && s.onDisk() != null) {
                payloadLog.release(s.onDisk());
              }
              return held;
            });
      }
    }
    for (var e : spaces.entrySet()) {
      VectorSpace s = e.getValue();
      s.hnsw = next.vectors().get(e.getKey()).hnswOr(next.hnsw());
      s.setIndexingThreshold(next.optimizers().indexingThreshold());
      s.setVacuum(next.optimizers().deletedThreshold(), next.optimizers().vacuumMinVectorNumber());
      s.setQuantization(next.quantizationOf(e.getKey()));
    }
    multiSpaces.forEach(
        (name, s) -> s.configure(next.vectors().get(name).hnswOr(next.hnsw()), next.optimizers()));
    synchronized (writeLock) {
      defineTenants(); // payload_m or m may have changed
    }
  }

  /**
   * Deletes vector {@code name}: the points keep their other vectors, the space's files go, and a
   * checkpoint is taken so the log never replays into a vector that is gone (a replay that still
   * meets one skips it). Under the write lock.
   */
  private void deleteVector(String name) {
    VectorSpace space = spaces.remove(name);
    dropSlots(name);
    space.close();
    files.deleteVector(name);
    checkpointed = -1;
    checkpoint();
  }

  /**
   * Gives up the payload chunks that are mostly dead: their live payloads are appended again (the
   * points' entries replaced by equal ones whose payloads lie elsewhere; readers holding the old
   * entries still read the old chunks, which stay mapped until nothing refers to them), then the
   * chunks are dropped. Under the write lock; costs the live bytes of those chunks.
   */
  private void reclaimPayloadChunks() {
    var victims = payloadLog.victims();
    if (!victims.isEmpty()) {
      points.replaceAll((id, s) -> s.movedOff(victims, payloadLog));
      payloadLog.drop(victims);
    }
  }

  /**
   * Deletes sparse or multi vector {@code name} from every point, then checkpoints. Under the write
   * lock.
   */
  private void deleteHeapVector(Map<String, ? extends HeapSpace<?>> from, String name) {
    HeapSpace<?> gone = from.remove(name);
    if (gone instanceof SparseSpace sparse) {
      sparse.deleteIndexFiles();
    } else if (gone instanceof MultiSpace multi) {
      multi.close();
      files.deleteVector(name); // its graph's working files
    }
    dropSlots(name);
    checkpointed = -1;
    checkpoint();
  }

  /** Removes vector {@code name}'s slot from every point that has one. */
  private void dropSlots(String name) {
    for (Stored s : points.values()) {
      if (s.slots().containsKey(name)) {
        Map<String, Integer> slots = new HashMap<>(s.slots());
        slots.remove(name);
        store(s.with(s.version(), slots));
      }
    }
  }

  /**
   * Background work left: vectors waiting for their search graph while it is being built, plus one
   * for each space being vacuumed or due for it (the collection is optimizing: yellow).
   */
  public long pendingIndex() {
    long n = 0;
    for (VectorSpace s : spaces.values()) {
      n += s.indexBacklog() + (s.vacuuming() || s.vacuumDue() ? 1 : 0);
    }
    for (MultiSpace s : multiSpaces.values()) {
      n += s.indexBacklog() + (s.vacuuming() ? 1 : 0);
    }
    return n;
  }

  /** Runs a due vacuum of every space now (tests; the background indexer does it otherwise). */
  void vacuumNow() {
    spaces.values().forEach(VectorSpace::vacuum);
  }

  /**
   * The HNSW settings vector {@code name}'s space runs with (the vector's own or the collection's).
   */
  HnswConfig hnswOf(String name) {
    return spaces.get(name).hnsw;
  }

  /** Vector slots allocated, live or not (how far the vector files have grown). */
  long allocatedSlots() {
    long n = 0;
    for (VectorSpace s : spaces.values()) {
      n += s.vectors.size();
    }
    return n;
  }

  /** Live vectors in their search graph (approximate while the indexer runs). */
  public long indexedVectors() {
    long n = 0;
    for (VectorSpace s : spaces.values()) {
      n += Math.max(0, s.live() - s.pendingCount());
    }
    for (MultiSpace s : multiSpaces.values()) {
      n += Math.max(0, s.live() - s.pendingCount());
    }
    return n;
  }

  @Override
  public void awaitIndexed() {
    spaces.values().forEach(s -> s.drainIndex());
    multiSpaces.values().forEach(MultiSpace::drainIndex);
  }

  @Override
  public long lastAppliedOp() {
    return lastApplied;
  }

  @Override
  public long flush() {
    if (externalLog) {
      checkpoint();
      return lastApplied;
    }
    return wal.force();
  }

  /** Validates against the collection's vector spaces and normalises Cosine vectors (copies). */
  private UpdateOp prepare(UpdateOp op) {
    return switch (op) {
      case UpdateOp.DeletePoints d -> d;
      case UpdateOp.DeleteByFilter f ->
          new UpdateOp.DeletePoints(resolve(new PointSelector.ByFilter(f.filter())));
      case UpdateOp.SetPayload sp ->
          new UpdateOp.SetPayload(
              new PointSelector.Ids(resolve(sp.selector())), sp.payload(), sp.key());
      case UpdateOp.OverwritePayload o ->
          new UpdateOp.OverwritePayload(new PointSelector.Ids(resolve(o.selector())), o.payload());
      case UpdateOp.DeletePayload dp ->
          new UpdateOp.DeletePayload(new PointSelector.Ids(resolve(dp.selector())), dp.keys());
      case UpdateOp.ClearPayload cp ->
          new UpdateOp.ClearPayload(new PointSelector.Ids(resolve(cp.selector())));
      case UpdateOp.DeleteVectors dv -> {
        for (String name : dv.names()) {
          if (!config.hasVector(name)) {
            throw new StorageException.BadInput("Not existing vector name error: " + name);
          }
        }
        yield new UpdateOp.DeleteVectors(new PointSelector.Ids(resolve(dv.selector())), dv.names());
      }
      case UpdateOp.UpdateVectors u -> {
        List<Point> out = new ArrayList<>(u.points().size());
        for (Point p : u.points()) {
          Stored s = points.get(p.id());
          if (s == null) {
            throw new StorageException.NotFound("No point with id " + p.id() + " found");
          }
          if (u.updateFilter() != null && !passes(u.updateFilter(), s)) {
            continue; // update_filter: a point that does not match keeps its vectors
          }
          out.add(
              new Point(
                  p.id(),
                  VectorChecks.vectors(config, p, false),
                  VectorChecks.sparse(config, p),
                  null,
                  VectorChecks.multi(config, p)));
        }
        yield new UpdateOp.UpdateVectors(out);
      }
      case UpdateOp.Upsert u -> {
        List<Point> out = new ArrayList<>(u.points().size());
        Set<PointId> inserted = new HashSet<>();
        for (Point p : u.points()) {
          Stored stored = points.get(p.id());
          boolean exists = stored != null || inserted.contains(p.id());
          boolean keep =
              switch (u.mode()) {
                case UPSERT -> true;
                case INSERT_ONLY -> !exists; // an existing point keeps its state
                case UPDATE_ONLY -> exists; // no point is created
              };
          if (keep
              && u.updateFilter() != null
              && stored != null
              && !inserted.contains(p.id())
              && !passes(u.updateFilter(), stored)) {
            keep = false; // update_filter: an existing point that does not match keeps its state
          }
          if (keep) {
            out.add(
                new Point(
                    p.id(),
                    VectorChecks.vectors(config, p, true),
                    VectorChecks.sparse(config, p),
                    p.payload(),
                    VectorChecks.multi(config, p)));
            inserted.add(p.id());
          }
        }
        yield new UpdateOp.Upsert(out);
      }
    };
  }

  /** The ids a selector means now, in id order (filters are evaluated under the write lock). */
  private List<PointId> resolve(PointSelector selector) {
    return switch (selector) {
      case PointSelector.Ids ids -> ids.ids();
      case PointSelector.ByFilter f -> matching(f.filter()).map(Stored::id).sorted().toList();
    };
  }

  private void applyInMemory(long opNum, UpdateOp op) {
    applyOp(opNum, op);
    reclaimPayloadChunks();
  }

  private void applyOp(long opNum, UpdateOp op) {
    switch (op) {
      case UpdateOp.Upsert u -> {
        Map<String, List<Integer>> added = new HashMap<>();
        for (Point p : u.points()) {
          release(points.get(p.id()));
          Map<String, Integer> slots = new HashMap<>();
          Object tenant = layoutTenant(p.payload());
          p.vectors()
              .forEach(
                  (name, v) -> {
                    if (!spaces.containsKey(name)) {
                      return; // a replayed write to a vector deleted since
                    }
                    int slot = spaces.get(name).append(p.id(), v, tenant);
                    slots.put(name, slot);
                    added.computeIfAbsent(name, k -> new ArrayList<>()).add(slot);
                  });
          addHeapVectors(p, slots);
          store(stored(p.id(), opNum, slots, p.payload()));
        }
        added.forEach(
            (name, slots) ->
                spaces.get(name).index(slots.stream().mapToInt(Integer::intValue).toArray()));
      }
      case UpdateOp.DeletePoints d -> {
        for (PointId id : d.ids()) {
          release(drop(id));
        }
      }
      case UpdateOp.SetPayload sp ->
          updatePayload(opNum, sp.selector(), old -> Payloads.set(old, sp.key(), sp.payload()));
      case UpdateOp.OverwritePayload o -> updatePayload(opNum, o.selector(), old -> o.payload());
      case UpdateOp.DeletePayload dp ->
          updatePayload(opNum, dp.selector(), old -> Payloads.remove(old, dp.keys()));
      case UpdateOp.ClearPayload cp ->
          updatePayload(opNum, cp.selector(), old -> Value.Struct.EMPTY);
      case UpdateOp.DeleteByFilter f -> throw new IllegalStateException("resolved before applying");
      case UpdateOp.UpdateVectors u -> {
        Map<String, List<Integer>> added = new HashMap<>();
        for (Point p : u.points()) {
          Stored s = points.get(p.id());
          if (s == null) {
            continue; // checked when prepared; a replay of a later-deleted point skips it
          }
          Map<String, Integer> slots = new HashMap<>(s.slots());
          // the payload is read (from disk under on_disk_payload) only when a tenant field places
          // it
          Object tenant = tenants.isEmpty() ? null : layoutTenant(s.payload());
          p.vectors()
              .forEach(
                  (name, v) -> {
                    if (!spaces.containsKey(name)) {
                      return; // a replayed write to a vector deleted since
                    }
                    Integer old = slots.get(name);
                    if (old != null) {
                      spaces.get(name).remove(old);
                    }
                    int slot = spaces.get(name).append(p.id(), v, tenant);
                    slots.put(name, slot);
                    added.computeIfAbsent(name, k -> new ArrayList<>()).add(slot);
                  });
          addHeapVectors(p, slots);
          store(s.with(opNum, slots));
        }
        added.forEach(
            (name, slots) ->
                spaces.get(name).index(slots.stream().mapToInt(Integer::intValue).toArray()));
      }
      case UpdateOp.DeleteVectors dv -> {
        for (PointId id : ((PointSelector.Ids) dv.selector()).ids()) {
          Stored s = points.get(id);
          if (s == null) {
            continue;
          }
          Map<String, Integer> slots = new HashMap<>(s.slots());
          for (String name : dv.names()) {
            Integer old = slots.remove(name);
            if (old != null) {
              freeSlot(name, old);
            }
          }
          store(s.with(opNum, slots));
        }
      }
    }
  }

  /**
   * Stores {@code p}'s sparse vectors and multivectors, their slots into {@code slots} (a vector
   * the point had under one of those names is freed first).
   */
  private void addHeapVectors(Point p, Map<String, Integer> slots) {
    p.sparseVectors()
        .forEach(
            (name, v) -> {
              SparseSpace space = sparseSpaces.get(name);
              if (space != null) { // else a replayed write to a vector deleted since
                replaceSlot(slots, name);
                slots.put(name, space.add(p.id(), v));
              }
            });
    p.multiVectors()
        .forEach(
            (name, v) -> {
              MultiSpace space = multiSpaces.get(name);
              if (space != null) {
                replaceSlot(slots, name);
                slots.put(name, space.add(p.id(), space.rows(v)));
              }
            });
  }

  private void replaceSlot(Map<String, Integer> slots, String name) {
    Integer old = slots.remove(name);
    if (old != null) {
      freeSlot(name, old);
    }
  }

  /** The sparse or multivector space of {@code name}, or null. */
  private HeapSpace<?> heapSpace(String name) {
    HeapSpace<?> sparse = sparseSpaces.get(name);
    return sparse != null ? sparse : multiSpaces.get(name);
  }

  /** Frees the slot of vector {@code name}, whatever its kind. */
  private void freeSlot(String name, int slot) {
    VectorSpace space = spaces.get(name);
    if (space != null) {
      space.remove(slot);
    } else {
      HeapSpace<?> heap = heapSpace(name);
      if (heap != null) {
        heap.remove(slot);
      }
    }
  }

  private void updatePayload(
      long opNum, PointSelector selector, UnaryOperator<Value.Struct> change) {
    for (PointId id : ((PointSelector.Ids) selector).ids()) {
      Stored s = points.get(id);
      if (s != null) {
        store(stored(id, opNum, s.slots(), change.apply(s.payload())));
      }
    }
  }

  /** A point as this shard holds it: its payload on disk when {@code on_disk_payload} is on. */
  private Stored stored(
      PointId id, long version, Map<String, Integer> slots, Value.Struct payload) {
    return Stored.of(id, version, slots, payload, config.onDiskPayload() ? payloadLog : null);
  }

  /** Writes a point's entry, keeping the id order and the payload indexes current. */
  private void store(Stored s) {
    Stored old = points.put(s.id(), s);
    payloadBytes.add(payloadSize(s) - (old == null ? 0 : payloadSize(old)));
    if (old == null) {
      order.add(s.id());
    } else if (!old.samePayload(s) && old.onDisk() != null) {
      payloadLog.release(old.onDisk());
    }
    if (!indexes.isEmpty() && (old == null || !old.samePayload(s))) {
      indexes.update(s.id(), old == null ? null : old.payload(), s.payload());
    }
    if (!tenants.isEmpty()
        && (old == null || !old.samePayload(s) || !old.slots().equals(s.slots()))) {
      assignTenants(s, tenants.fields());
    }
  }

  /** The tenant fields (keyword and uuid indexes marked {@code is_tenant}); set by the writer. */
  volatile Tenants tenants = Tenants.NONE;

  /**
   * The tenant that places a point's dense vectors (tenant-local storage): its one value of the
   * first tenant field, or null (no tenant field, no value, or several).
   */
  private Object layoutTenant(Value.Struct payload) {
    Tenants t = tenants;
    return t.isEmpty() ? null : t.of(payload, t.fields().iterator().next()).term();
  }

  /** Tells each dense space with a vector of {@code s} its tenant in each of {@code fields}. */
  private void assignTenants(Stored s, Set<String> fields) {
    Map<String, Tenants.Tenant> byField = null; // read from the payload once, for every space
    for (var e : s.slots().entrySet()) {
      VectorSpace space = spaces.get(e.getKey());
      if (space == null || space.tenantFields().isEmpty()) {
        continue;
      }
      if (byField == null) {
        Value.Struct payload = s.payload();
        byField = new HashMap<>();
        for (String field : fields) {
          byField.put(field, tenants.of(payload, field));
        }
      }
      int slot = e.getValue();
      byField.forEach((field, t) -> space.assignTenant(field, slot, t.term(), t.several()));
    }
  }

  /**
   * Makes every dense space's tenant links those of the tenant fields (after the payload indexes or
   * the HNSW settings changed); links made anew learn every point's tenant. Under the write lock.
   */
  private void defineTenants() {
    for (VectorSpace space : spaces.values()) {
      Set<String> fresh = space.tenantFields(tenants.fields());
      if (!fresh.isEmpty()) {
        for (Stored p : points.values()) {
          assignTenants(p, fresh);
        }
      }
    }
  }

  /** Removes a point's entry (returned, or null), with its id and index entries. */
  private Stored drop(PointId id) {
    Stored old = points.remove(id);
    if (old != null) {
      payloadBytes.add(-payloadSize(old));
      if (old.onDisk() != null) {
        payloadLog.release(old.onDisk());
      }
      order.remove(id);
      if (!indexes.isEmpty()) {
        indexes.update(id, old.payload(), null);
      }
    }
    return old;
  }

  /**
   * Makes the payload indexes exactly {@code specs} (built from the points now, kept current by
   * every write after).
   */
  public void payloadIndexes(SortedMap<String, PayloadIndexSpec> specs) {
    synchronized (writeLock) {
      // each payload parsed as an index reads it: a shard's payloads held serialized are a
      // fraction of what they parse into
      Iterable<Map.Entry<PointId, Value.Struct>> all =
          () -> points.values().stream().map(s -> Map.entry(s.id(), s.payload())).iterator();
      indexes.define(specs, all);
      textFields = indexes.textFields();
      Tenants before = tenants;
      tenants = Tenants.of(specs);
      if (!before.fields().equals(tenants.fields())) {
        spaces.values().forEach(VectorSpace::tenantLayoutChanged);
      }
      defineTenants();
    }
  }

  boolean passes(Filter filter, Stored s) {
    return Filters.test(filter, s.id(), s.payload(), new Filters.Context(textFields, s::hasVector));
  }

  /**
   * The points that pass {@code filter}: those its payload indexes narrow it to when they do, else
   * every point; each tested.
   */
  Stream<Stored> matching(Filter filter) {
    PayloadIndexes.Candidates c = indexes.isEmpty() ? null : indexes.candidates(filter);
    if (c != null && c.exact()) { // the index answered the whole filter
      return c.ids().stream().map(points::get).filter(Objects::nonNull);
    }
    Stream<Stored> base =
        c == null
            ? points.values().stream()
            : c.ids().stream().map(points::get).filter(Objects::nonNull);
    RequestScope scope = RequestScope.current();
    return base.filter(
        s -> {
          scope.tick();
          return passes(filter, s);
        });
  }

  private void release(Stored old) {
    if (old != null) {
      old.slots().forEach(this::freeSlot);
    }
  }

  // ---- ShardReader: the reads are ShardSearch's ----

  @Override
  public List<ScoredPoint> search(SearchRequest request) {
    return reads.search(request);
  }

  @Override
  public List<PointRecord> retrieve(
      List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {
    return reads.retrieve(ids, withPayload, withVectors);
  }

  @Override
  public long count() {
    return points.size();
  }

  /** The points' payloads in bytes, in the compact form they are held serialized in. */
  public long payloadBytes() {
    return payloadBytes.sum();
  }

  /** A point's payload in bytes; none for a point without one. */
  private static long payloadSize(Stored s) {
    return s.payloadBytes();
  }

  @Override
  public long count(Filter filter) {
    return reads.count(filter);
  }

  @Override
  public ScrollPage scroll(
      Filter filter, PointId offset, int limit, WithPayload withPayload, WithVectors withVectors) {
    return reads.scroll(filter, offset, limit, withPayload, withVectors);
  }

  @Override
  public boolean anyPayloadMatches(Filter filter) {
    return reads.anyPayloadMatches(filter);
  }

  @Override
  public void close() {
    try {
      checkpoint();
    } finally {
      wal.close();
      spaces.values().forEach(VectorSpace::close);
      multiSpaces.values().forEach(MultiSpace::close);
    }
  }
}
