package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ShardCodecTest {

  static final Filter EVERY_CONDITION =
      new Filter(
          List.of(
              new Condition.Match("city", new Value.Str("Berlin")),
              new Condition.MatchAny("n", List.of(new Value.Int(1), new Value.Int(2))),
              new Condition.MatchExcept("tag", List.of(new Value.Str("x"))),
              new Condition.MatchText("body", "vector search"),
              new Condition.MatchText("body", "vector search", Condition.TextMatch.ANY),
              new Condition.MatchText("body", "vector search", Condition.TextMatch.PHRASE),
              new Condition.HasVector("image"),
              new Condition.MatchPrefix("city", "Ber"),
              new Condition.Range("price", 1.5, null, null, 9.0, false),
              new Condition.Range("at", null, 1.7e9, 1.8e9, null, true),
              new Condition.ValuesCount("list", 1L, null, null, 5L)),
          List.of(
              new Condition.GeoBoundingBox("loc", 52.6, 13.2, 52.3, 13.6),
              new Condition.GeoRadius("loc", 52.5, 13.4, 1000),
              new Condition.GeoPolygon(
                  "loc",
                  List.of(new double[] {0, 0}, new double[] {0, 1}, new double[] {1, 1}),
                  List.of(List.of(new double[] {0.2, 0.2}, new double[] {0.3, 0.3})))),
          List.of(
              new Condition.IsEmpty("gone"),
              new Condition.IsNull("nil"),
              new Condition.HasId(Set.of(new PointId.Num(7), new PointId.Uuid(UUID.randomUUID()))),
              new Condition.InShard(PointRouting.JUMP, 3, 2),
              new Condition.InPart(8, 2, 5),
              new Condition.Nested(
                  "items",
                  new Filter(List.of(new Condition.IsNull("a")), List.of(), List.of(), null)),
              new Condition.Sub(
                  new Filter(List.of(), List.of(new Condition.IsEmpty("b")), List.of(), null))),
          new Filter.MinShould(List.of(new Condition.IsEmpty("c")), 1));

  static final List<UpdateOp> EVERY_OP =
      List.of(
          new UpdateOp.Upsert(
              List.of(
                  new Point(
                      new PointId.Num(1),
                      Map.of("", new float[] {1, 2, 3}),
                      new Value.Struct(
                          Map.of(
                              "a",
                              new Value.Array(
                                  List.of(Value.Null.INSTANCE, new Value.Bool(true)))))))),
          new UpdateOp.Upsert(
              List.of(new Point(new PointId.Num(2), Map.of("", new float[] {1}), null)),
              UpdateOp.Upsert.Mode.INSERT_ONLY),
          new UpdateOp.Upsert(
              List.of(new Point(new PointId.Num(3), Map.of("", new float[] {1}), null)),
              UpdateOp.Upsert.Mode.UPDATE_ONLY),
          new UpdateOp.DeletePoints(List.of(new PointId.Num(1))),
          new UpdateOp.DeleteByFilter(EVERY_CONDITION),
          new UpdateOp.SetPayload(
              new PointSelector.ByFilter(EVERY_CONDITION),
              new Value.Struct(Map.of("k", new Value.Double(0.5))),
              "a.b"),
          new UpdateOp.SetPayload(
              new PointSelector.Ids(List.of(new PointId.Num(2))), Value.Struct.EMPTY, null),
          new UpdateOp.OverwritePayload(
              new PointSelector.Ids(List.of(new PointId.Num(3))), Value.Struct.EMPTY),
          new UpdateOp.DeletePayload(new PointSelector.ByFilter(EVERY_CONDITION), List.of("x")),
          new UpdateOp.ClearPayload(new PointSelector.ByFilter(EVERY_CONDITION)),
          new UpdateOp.Upsert(
              List.of(
                  new Point(
                      new PointId.Num(4),
                      Map.of("", new float[] {1}),
                      Map.of("text", SparseVector.of(new int[] {7, -1}, new float[] {1, 2})),
                      null)),
              UpdateOp.Upsert.Mode.INSERT_ONLY),
          new UpdateOp.UpdateVectors(
              List.of(
                  new Point(
                      new PointId.Num(4),
                      Map.of(),
                      Map.of("text", SparseVector.of(new int[] {3}, new float[] {0.5f})),
                      null))));

  /** The payload size strict mode counts is the size the codec writes, to the byte. */
  @Test
  void encodedSizeIsWhatWriteValueWrites() {
    Map<String, Value> fields = new LinkedHashMap<>();
    fields.put("city", new Value.Str("Zürich 東京 🚀"));
    fields.put("n", new Value.Int(-7));
    fields.put("x", new Value.Double(0.5));
    fields.put("ok", new Value.Bool(true));
    fields.put("none", Value.Null.INSTANCE);
    fields.put(
        "tags",
        new Value.Array(
            List.of(new Value.Str("a"), new Value.Struct(Map.of("k", new Value.Int(1))))));
    Value v = new Value.Struct(fields);
    assertThat(ShardCodec.encodedSize(v))
        .isEqualTo(ShardCodec.write(out -> ShardCodec.writeValue(out, v)).length);
  }

  @Test
  void everyOperationAndConditionSurvivesARoundTrip() throws Exception {
    for (UpdateOp op : EVERY_OP) {
      byte[] once = ShardCodec.write(out -> UpdateOpCodec.write(out, op));
      UpdateOp back = ShardCodec.read(once, UpdateOpCodec::read);
      assertThat(back.getClass()).isEqualTo(op.getClass());
      assertThat(ShardCodec.write(out -> UpdateOpCodec.write(out, back))).isEqualTo(once);
    }
    Filter f =
        ShardCodec.read(
            ShardCodec.write(out -> FilterCodec.write(out, EVERY_CONDITION)), FilterCodec::read);
    assertThat(f.must()).hasSize(11);
    for (int i = 0; i < 8; i++) { // the records without array fields compare by value
      assertThat(f.must().get(i)).isEqualTo(EVERY_CONDITION.must().get(i));
    }
    assertThat(f.mustNot()).hasSize(7);
    assertThat(f.mustNot().get(4)).isEqualTo(new Condition.InPart(8, 2, 5));
    assertThat(f.mustNot().get(3)).isEqualTo(new Condition.InShard(PointRouting.JUMP, 3, 2));
    assertThat(f.minShould().minCount()).isEqualTo(1);
    var polygon = (Condition.GeoPolygon) f.should().get(2);
    assertThat(polygon.exterior().get(2)).containsExactly(1, 1);
  }

  @Test
  void searchRequestsAndResultsSurviveARoundTrip() throws Exception {
    var request =
        new SearchRequest(
            "text",
            new float[] {0.5f, -1},
            10,
            5,
            0.25f,
            WithPayload.include(List.of("a")),
            WithVectors.only(List.of("text")),
            64,
            true,
            EVERY_CONDITION);
    byte[] bytes = ShardCodec.write(out -> ReadCodec.writeSearch(out, request));
    SearchRequest back = ShardCodec.read(bytes, ReadCodec::readSearch);
    assertThat(back.vector()).containsExactly(0.5f, -1);
    assertThat(back.withPayload()).isEqualTo(request.withPayload());
    assertThat(back.withVectors()).isEqualTo(request.withVectors());
    assertThat(List.of(back.limit(), back.offset(), back.hnswEf())).containsExactly(10, 5, 64);
    assertThat(back.scoreThreshold()).isEqualTo(0.25f);
    assertThat(back.exact()).isTrue();
    assertThat(ShardCodec.write(out -> ReadCodec.writeSearch(out, back))).isEqualTo(bytes);

    var scored =
        new ScoredPoint(
            new PointId.Uuid(UUID.randomUUID()), 9, 0.75f, null, Map.of("", new float[] {1}));
    ScoredPoint s =
        ShardCodec.read(
            ShardCodec.write(out -> ReadCodec.writeScored(out, scored)), ReadCodec::readScored);
    assertThat(s.id()).isEqualTo(scored.id());
    assertThat(s.payload()).isNull();
    assertThat(s.vectors().get("")).containsExactly(1);
  }

  @Test
  void sparseVectorsRoundTripInOperationsSearchesResultsAndConfigs() throws Exception {
    SparseVector v = SparseVector.of(new int[] {9, 2, -1}, new float[] {1, 2, 3});
    var upsert = (UpdateOp.Upsert) EVERY_OP.get(EVERY_OP.size() - 2);
    var back =
        (UpdateOp.Upsert)
            ShardCodec.read(
                ShardCodec.write(out -> UpdateOpCodec.write(out, upsert)), UpdateOpCodec::read);
    assertThat(back.mode()).isEqualTo(UpdateOp.Upsert.Mode.INSERT_ONLY);
    assertThat(back.points().getFirst().sparseVectors())
        .isEqualTo(upsert.points().getFirst().sparseVectors());
    var request =
        SearchRequest.sparse(
            "text", v, 10, 2, 0.5f, WithPayload.NONE, WithVectors.ALL, true, EVERY_CONDITION);
    SearchRequest r =
        ShardCodec.read(
            ShardCodec.write(out -> ReadCodec.writeSearch(out, request)), ReadCodec::readSearch);
    assertThat(r.sparseVector()).isEqualTo(v);
    assertThat(List.of(r.limit(), r.offset())).containsExactly(10, 2);
    var scored =
        new ScoredPoint(new PointId.Num(1), 3, 2f, null, Map.of(), null, null, Map.of("text", v));
    ScoredPoint s =
        ShardCodec.read(
            ShardCodec.write(out -> ReadCodec.writeScored(out, scored)), ReadCodec::readScored);
    assertThat(s.sparseVectors()).containsEntry("text", v);
    var record = new PointRecord(new PointId.Num(1), null, null, null, Map.of("text", v));
    PointRecord pr =
        ShardCodec.read(
            ShardCodec.write(out -> ReadCodec.writeRecord(out, record)), ReadCodec::readRecord);
    assertThat(pr.sparseVectors()).containsEntry("text", v);
    var config =
        new CollectionConfig(
                Map.of("", new VectorParams(4, Distance.DOT, null)),
                1,
                1,
                1,
                true,
                HnswConfig.DEFAULT,
                OptimizersConfig.DEFAULT,
                WalConfig.DEFAULT)
            .withSparseVectors(
                Map.of(
                    "text",
                    new SparseVectorParams(100, false, SparseVectorParams.Modifier.IDF),
                    "splade",
                    SparseVectorParams.DEFAULT));
    assertThat(
            ShardCodec.read(
                ShardCodec.write(out -> ConfigCodec.write(out, config)), ConfigCodec::read))
        .isEqualTo(config);
    // multivectors: in upserts, results and the vector's parameters
    var multi =
        new UpdateOp.Upsert(
            List.of(
                new Point(
                    new PointId.Num(9),
                    Map.of(),
                    Map.of("text", v),
                    null,
                    Map.of("colbert", new float[][] {{1, 2}, {3, 4}, {5, 6}}))));
    var m =
        (UpdateOp.Upsert)
            ShardCodec.read(
                ShardCodec.write(out -> UpdateOpCodec.write(out, multi)), UpdateOpCodec::read);
    assertThat(m.points().getFirst().multiVectors().get("colbert")[2]).containsExactly(5, 6);
    assertThat(m.points().getFirst().sparseVectors()).containsEntry("text", v);
    var withRows =
        new ScoredPoint(
            new PointId.Num(1),
            3,
            2f,
            null,
            Map.of(),
            null,
            null,
            null,
            Map.of("colbert", new float[][] {{1, 2}}));
    assertThat(
            ShardCodec.read(
                    ShardCodec.write(out -> ReadCodec.writeScored(out, withRows)),
                    ReadCodec::readScored)
                .multiVectors()
                .get("colbert")[0])
        .containsExactly(1, 2);
    var multiConfig =
        new CollectionConfig(
            Map.of("colbert", new VectorParams(2, Distance.COSINE, true, null, true)),
            1,
            1,
            1,
            true,
            HnswConfig.DEFAULT,
            OptimizersConfig.DEFAULT,
            WalConfig.DEFAULT);
    assertThat(
            ShardCodec.read(
                ShardCodec.write(out -> ConfigCodec.write(out, multiConfig)), ConfigCodec::read))
        .isEqualTo(multiConfig);
  }

  /**
   * A collection's routing round-trips in one flag bit; a configuration without it (every one
   * written before routing was a setting) reads as modulo.
   */
  @Test
  void routingRoundTripsInOneFlagBit() throws Exception {
    var modulo =
        new CollectionConfig(
            Map.of("b", new VectorParams(2, Distance.EUCLID, null)),
            3,
            1,
            1,
            false,
            HnswConfig.DEFAULT,
            OptimizersConfig.DEFAULT,
            WalConfig.DEFAULT,
            ShardingMethod.CUSTOM);
    var jump = modulo.withRouting(PointRouting.JUMP);
    byte[] moduloBytes = ShardCodec.write(out -> ConfigCodec.write(out, modulo));
    byte[] jumpBytes = ShardCodec.write(out -> ConfigCodec.write(out, jump));
    assertThat(ShardCodec.read(moduloBytes, ConfigCodec::read)).isEqualTo(modulo);
    assertThat(ShardCodec.read(jumpBytes, ConfigCodec::read)).isEqualTo(jump);
    assertThat(ShardCodec.read(jumpBytes, ConfigCodec::read).customSharding()).isTrue();
    assertThat(jumpBytes).hasSameSizeAs(moduloBytes); // one flag bit, no byte more
    assertThat(modulo.routing()).isEqualTo(PointRouting.MODULO);
  }

  @Test
  void payloadMRoundTripsForTheCollectionAndAVectorAndIsAbsentUnlessSet() throws Exception {
    var own = new HnswDiff(null, null, null, null, null, 4);
    for (Integer payloadM : new Integer[] {null, 0, 16}) {
      var config =
          new CollectionConfig(
              Map.of(
                  "a", new VectorParams(4, Distance.DOT, true, own),
                  "b", new VectorParams(2, Distance.EUCLID, null)),
              1,
              1,
              1,
              true,
              new HnswConfig(0, 100, 10_000, 0, false, payloadM),
              OptimizersConfig.DEFAULT,
              WalConfig.DEFAULT,
              ShardingMethod.AUTO);
      byte[] bytes = ShardCodec.write(out -> ConfigCodec.write(out, config));
      CollectionConfig back = ShardCodec.read(bytes, ConfigCodec::read);
      assertThat(back).isEqualTo(config);
      assertThat(back.hnsw().payloadM()).isEqualTo(payloadM);
      assertThat(back.vectors().get("a").hnswOr(back.hnsw()).payloadM()).isEqualTo(4);
      assertThat(back.vectors().get("b").hnswOr(back.hnsw()).tenantM())
          .as("unset: Qdrant's m")
          .isEqualTo(payloadM == null ? 0 : payloadM);
      if (payloadM == null) {
        // not set: the bytes are those of a configuration written before payload_m existed
        var without =
            new CollectionConfig(
                Map.of("b", new VectorParams(2, Distance.EUCLID, null)),
                1,
                1,
                1,
                true,
                new HnswConfig(0, 100, 10_000, 0, false),
                OptimizersConfig.DEFAULT,
                WalConfig.DEFAULT,
                ShardingMethod.AUTO);
        byte[] plain = ShardCodec.write(out -> ConfigCodec.write(out, without));
        assertThat(ShardCodec.read(plain, ConfigCodec::read).hnsw().payloadM()).isNull();
      }
    }
  }

  @Test
  void aVectorsOwnHnswSettingsRoundTripAndOlderConfigsStillRead() throws Exception {
    var own = new HnswDiff(8, null, 500, null, null); // kept as given, not merged
    var config =
        new CollectionConfig(
            Map.of(
                "a", new VectorParams(4, Distance.DOT, true, own),
                "b", new VectorParams(2, Distance.EUCLID, null)),
            2,
            1,
            1,
            true,
            HnswConfig.DEFAULT,
            OptimizersConfig.DEFAULT,
            WalConfig.DEFAULT,
            ShardingMethod.AUTO);
    byte[] bytes = ShardCodec.write(out -> ConfigCodec.write(out, config));
    CollectionConfig back = ShardCodec.read(bytes, ConfigCodec::read);
    assertThat(back).isEqualTo(config);
    // wal_retain_closed: written only when not Qdrant's default, read back either way
    for (int retain : new int[] {0, 1, 5}) {
      var withRetain =
          new CollectionConfig(
              config.vectors(),
              2,
              1,
              1,
              true,
              HnswConfig.DEFAULT,
              OptimizersConfig.DEFAULT,
              new WalConfig(16, 1, retain),
              ShardingMethod.AUTO);
      assertThat(
              ShardCodec.read(
                  ShardCodec.write(out -> ConfigCodec.write(out, withRetain)), ConfigCodec::read))
          .isEqualTo(withRetain);
    }
    assertThat(back.vectors().get("a").hnsw()).isEqualTo(own);
    assertThat(back.vectors().get("a").hnswOr(HnswConfig.DEFAULT))
        .isEqualTo(new HnswConfig(8, 100, 500, 0, false));
    assertThat(back.vectors().get("a").hnswOr(new HnswConfig(16, 64, 10_000, 2, true)))
        .as("the fields not set follow the collection's")
        .isEqualTo(new HnswConfig(8, 64, 500, 2, true));
    // a configuration written when a vector's own settings were stored whole reads them as all set
    var whole = new HnswConfig(8, 64, 500, 0, false);
    var older = new ByteArrayOutputStream();
    try (var out = new DataOutputStream(older)) {
      out.writeInt(1); // one vector
      out.writeUTF("a");
      out.writeInt(4);
      out.writeByte(2); // Dot
      out.writeByte(1 + 3); // on_disk true, its own settings follow whole
      out.writeInt(whole.m());
      out.writeInt(whole.efConstruct());
      out.writeInt(whole.fullScanThreshold());
      out.writeInt(whole.maxIndexingThreads());
      out.writeBoolean(whole.onDisk());
      var rest = new ByteArrayOutputStream();
      ConfigCodec.write(
          new DataOutputStream(rest),
          new CollectionConfig(
              Map.of(),
              2,
              1,
              1,
              true,
              HnswConfig.DEFAULT,
              OptimizersConfig.DEFAULT,
              WalConfig.DEFAULT,
              ShardingMethod.AUTO));
      byte[] tail = rest.toByteArray();
      out.write(tail, 4, tail.length - 4); // after its vector count (0)
    }
    CollectionConfig olderBack =
        ConfigCodec.read(new DataInputStream(new ByteArrayInputStream(older.toByteArray())));
    assertThat(olderBack.vectors().get("a").hnsw()).isEqualTo(HnswDiff.of(whole));
    assertThat(olderBack.vectors().get("a").onDisk()).isTrue();
    assertThat(back.vectors().get("b").hnswOr(HnswConfig.DEFAULT)).isEqualTo(HnswConfig.DEFAULT);
    // metadata follows the rest, flagged, and round-trips in key order
    var withMetadata =
        config
            .withSparseVectors(
                Map.of(
                    "s",
                    new SparseVectorParams(
                        null,
                        true,
                        SparseVectorParams.Modifier.IDF,
                        SparseVectorParams.Memory.CACHED,
                        VectorDatatype.UINT8),
                    "t",
                    new SparseVectorParams(
                        7, null, null, SparseVectorParams.Memory.PINNED, VectorDatatype.FLOAT16)))
            .withMetadata(
                new Value.Struct(Map.of("owner", new Value.Str("search"), "v", new Value.Int(2))));
    CollectionConfig metaBack =
        ShardCodec.read(
            ShardCodec.write(out -> ConfigCodec.write(out, withMetadata)), ConfigCodec::read);
    assertThat(metaBack).isEqualTo(withMetadata);
    assertThat(metaBack.metadata().fields()).containsEntry("v", new Value.Int(2));
    // a config written before vectors had their own settings: the same bytes without them
    var plain =
        new CollectionConfig(
            Map.of("b", new VectorParams(2, Distance.EUCLID, false)),
            1,
            1,
            1,
            false,
            HnswConfig.DEFAULT,
            OptimizersConfig.DEFAULT,
            WalConfig.DEFAULT,
            ShardingMethod.AUTO);
    assertThat(
            ShardCodec.read(
                ShardCodec.write(out -> ConfigCodec.write(out, plain)), ConfigCodec::read))
        .isEqualTo(plain);
  }

  @Test
  void everyTruncationIsMalformedNeverAnotherError() {
    for (UpdateOp op : EVERY_OP) {
      byte[] whole = ShardCodec.write(out -> UpdateOpCodec.write(out, op));
      for (int n = 0; n < whole.length; n++) {
        byte[] cut = Arrays.copyOf(whole, n);
        assertThatThrownBy(() -> ShardCodec.read(cut, UpdateOpCodec::read))
            .as("%s cut at %d of %d", op.getClass().getSimpleName(), n, whole.length)
            .isInstanceOf(ShardCodec.Malformed.class);
      }
      byte[] longer = Arrays.copyOf(whole, whole.length + 1);
      assertThatThrownBy(() -> ShardCodec.read(longer, UpdateOpCodec::read))
          .isInstanceOf(ShardCodec.Malformed.class)
          .hasMessageContaining("trailing");
    }
  }
}
