package dev.quiver.server.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import io.qdrant.client.grpc.Collections;
import io.qdrant.client.grpc.Common;
import io.qdrant.client.grpc.JsonWithInt;
import io.qdrant.client.grpc.Points;
import org.junit.jupiter.api.Test;

/**
 * gRPC answers as Qdrant 1.19 fills them, turned into the JSON its REST API gives for the same
 * collection and points (the expected documents are written from the OpenAPI document's shapes).
 */
class ProtoJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aCollectionInfoReadsAsRestShowsIt() throws Exception {
    Collections.CollectionConfig config =
        Collections.CollectionConfig.newBuilder()
            .setParams(
                Collections.CollectionParams.newBuilder()
                    .setShardNumber(2)
                    .setOnDiskPayload(false)
                    .setReplicationFactor(1)
                    .setWriteConsistencyFactor(1)
                    .setShardingMethod(Collections.ShardingMethod.Custom)
                    .setVectorsConfig(
                        Collections.VectorsConfig.newBuilder()
                            .setParamsMap(
                                Collections.VectorParamsMap.newBuilder()
                                    .putMap(
                                        "image",
                                        Collections.VectorParams.newBuilder()
                                            .setSize(512)
                                            .setDistance(Collections.Distance.Cosine)
                                            .setDatatype(Collections.Datatype.Float16)
                                            .setQuantizationConfig(
                                                Collections.QuantizationConfig.newBuilder()
                                                    .setBinary(
                                                        Collections.BinaryQuantization.newBuilder()
                                                            .setEncoding(
                                                                Collections
                                                                    .BinaryQuantizationEncoding
                                                                    .OneAndHalfBits)
                                                            .setQueryEncoding(
                                                                Collections
                                                                    .BinaryQuantizationQueryEncoding
                                                                    .newBuilder()
                                                                    .setSetting(
                                                                        Collections
                                                                            .BinaryQuantizationQueryEncoding
                                                                            .Setting.Scalar4Bits))))
                                            .build())
                                    .putMap(
                                        "colbert",
                                        Collections.VectorParams.newBuilder()
                                            .setSize(128)
                                            .setDistance(Collections.Distance.Dot)
                                            .setMultivectorConfig(
                                                Collections.MultiVectorConfig.newBuilder()
                                                    .setComparator(
                                                        Collections.MultiVectorComparator.MaxSim))
                                            .setHnswConfig(
                                                Collections.HnswConfigDiff.newBuilder().setM(0))
                                            .build())))
                    .setSparseVectorsConfig(
                        Collections.SparseVectorConfig.newBuilder()
                            .putMap(
                                "bm25",
                                Collections.SparseVectorParams.newBuilder()
                                    .setModifier(Collections.Modifier.Idf)
                                    .setIndex(
                                        Collections.SparseIndexConfig.newBuilder()
                                            .setFullScanThreshold(5000)
                                            .setOnDisk(true))
                                    .build())))
            .setHnswConfig(
                Collections.HnswConfigDiff.newBuilder()
                    .setM(16)
                    .setEfConstruct(100)
                    .setFullScanThreshold(10000)
                    .setPayloadM(16))
            .setOptimizerConfig(
                Collections.OptimizersConfigDiff.newBuilder()
                    .setDeletedThreshold(0.2)
                    .setIndexingThreshold(20000)
                    .setMaxOptimizationThreads(
                        Collections.MaxOptimizationThreads.newBuilder()
                            .setSetting(Collections.MaxOptimizationThreads.Setting.Auto)))
            .setWalConfig(Collections.WalConfigDiff.newBuilder().setWalCapacityMb(32))
            .setQuantizationConfig(
                Collections.QuantizationConfig.newBuilder()
                    .setTurboquant(
                        Collections.TurboQuantization.newBuilder()
                            .setBits(Collections.TurboQuantBitSize.Bits1_5)))
            .setStrictModeConfig(
                Collections.StrictModeConfig.newBuilder()
                    .setEnabled(true)
                    .setMaxQueryLimit(100)
                    .setSparseConfig(
                        Collections.StrictModeSparseConfig.newBuilder()
                            .putSparseConfig(
                                "bm25",
                                Collections.StrictModeSparse.newBuilder()
                                    .setMaxLength(64)
                                    .build())))
            .putMetadata("team", str("search"))
            .putMetadata("version", JsonWithInt.Value.newBuilder().setIntegerValue(3).build())
            .build();
    Collections.CollectionInfo info =
        Collections.CollectionInfo.newBuilder()
            .setStatus(Collections.CollectionStatus.Green)
            .setPointsCount(10)
            .setConfig(config)
            .putPayloadSchema(
                "tenant",
                Collections.PayloadSchemaInfo.newBuilder()
                    .setDataType(Collections.PayloadSchemaType.Keyword)
                    .setParams(
                        Collections.PayloadIndexParams.newBuilder()
                            .setKeywordIndexParams(
                                Collections.KeywordIndexParams.newBuilder().setIsTenant(true)))
                    .setPoints(10)
                    .build())
            .putPayloadSchema(
                "body",
                Collections.PayloadSchemaInfo.newBuilder()
                    .setDataType(Collections.PayloadSchemaType.Text)
                    .setParams(
                        Collections.PayloadIndexParams.newBuilder()
                            .setTextIndexParams(
                                Collections.TextIndexParams.newBuilder()
                                    .setTokenizer(Collections.TokenizerType.Multilingual)
                                    .setLowercase(true)
                                    .setStopwords(
                                        Collections.StopwordsSet.newBuilder()
                                            .addLanguages("english")
                                            .addCustom("qdrant"))
                                    .setStemmer(
                                        Collections.StemmingAlgorithm.newBuilder()
                                            .setSnowball(
                                                Collections.SnowballParams.newBuilder()
                                                    .setLanguage("english")))))
                    .setPoints(7)
                    .build())
            .putPayloadSchema(
                "price",
                Collections.PayloadSchemaInfo.newBuilder()
                    .setDataType(Collections.PayloadSchemaType.Float)
                    .setPoints(10)
                    .build())
            .build();

    JsonNode expected =
        JSON.readTree(
            """
            {"status": "green", "segments_count": 0, "points_count": 10,
             "config": {
               "params": {
                 "shard_number": 2, "on_disk_payload": false,
                 "vectors": {
                   "image": {"size": 512, "distance": "Cosine", "datatype": "float16",
                     "quantization_config": {"binary": {"encoding": "one_and_half_bits",
                       "query_encoding": "scalar4bits"}}},
                   "colbert": {"size": 128, "distance": "Dot", "hnsw_config": {"m": 0},
                     "multivector_config": {"comparator": "max_sim"}}},
                 "replication_factor": 1, "write_consistency_factor": 1,
                 "sharding_method": "custom",
                 "sparse_vectors": {"bm25": {"index": {"full_scan_threshold": 5000,
                   "on_disk": true}, "modifier": "idf"}}},
               "hnsw_config": {"m": 16, "ef_construct": 100, "full_scan_threshold": 10000,
                 "payload_m": 16},
               "optimizer_config": {"deleted_threshold": 0.2, "indexing_threshold": 20000,
                 "max_optimization_threads": "auto"},
               "wal_config": {"wal_capacity_mb": 32},
               "quantization_config": {"turbo": {"bits": "bits1_5"}},
               "strict_mode_config": {"enabled": true, "max_query_limit": 100,
                 "sparse_config": {"bm25": {"max_length": 64}}},
               "metadata": {"team": "search", "version": 3}},
             "payload_schema": {
               "tenant": {"data_type": "keyword",
                 "params": {"type": "keyword", "is_tenant": true}, "points": 10},
               "body": {"data_type": "text",
                 "params": {"type": "text", "tokenizer": "multilingual", "lowercase": true,
                   "stopwords": {"languages": ["english"], "custom": ["qdrant"]},
                   "stemmer": {"type": "snowball", "language": "english"}}, "points": 7},
               "price": {"data_type": "float", "points": 10}}}
            """);
    JsonNode actual = ProtoJson.json(info);
    assertThat(Migration.close(actual, expected, 0)).as(actual.toPrettyString()).isTrue();
    // what the target is asked to create from it
    assertThat(Migration.createBody(actual.get("config")).get("vectors"))
        .isEqualTo(actual.at("/config/params/vectors"));
  }

  @Test
  void pointsReadAsRestShowsThemWhicheverVectorFieldsTheServerFills() throws Exception {
    Points.RetrievedPoint typed =
        Points.RetrievedPoint.newBuilder()
            .setId(Common.PointId.newBuilder().setUuid("5c56c793-69f3-4fbf-87e6-c4bf54c28c26"))
            .putPayload(
                "tags",
                JsonWithInt.Value.newBuilder()
                    .setListValue(
                        JsonWithInt.ListValue.newBuilder()
                            .addValues(str("a"))
                            .addValues(
                                JsonWithInt.Value.newBuilder()
                                    .setStructValue(
                                        JsonWithInt.Struct.newBuilder()
                                            .putFields(
                                                "deep",
                                                JsonWithInt.Value.newBuilder()
                                                    .setDoubleValue(1.5)
                                                    .build())
                                            .putFields(
                                                "none",
                                                JsonWithInt.Value.newBuilder()
                                                    .setNullValue(JsonWithInt.NullValue.NULL_VALUE)
                                                    .build()))))
                    .build())
            .setVectors(
                Points.VectorsOutput.newBuilder()
                    .setVectors(
                        Points.NamedVectorsOutput.newBuilder()
                            .putVectors(
                                "dense",
                                Points.VectorOutput.newBuilder()
                                    .setDense(
                                        Points.DenseVector.newBuilder().addData(1f).addData(0.5f))
                                    .build())
                            .putVectors(
                                "bm25",
                                Points.VectorOutput.newBuilder()
                                    .setSparse(
                                        Points.SparseVector.newBuilder()
                                            .addIndices(7)
                                            .addIndices(-1) // 4294967295, unsigned on the wire
                                            .addValues(0.25f)
                                            .addValues(2f))
                                    .build())
                            .putVectors(
                                "colbert",
                                Points.VectorOutput.newBuilder()
                                    .setMultiDense(
                                        Points.MultiDenseVector.newBuilder()
                                            .addVectors(
                                                Points.DenseVector.newBuilder()
                                                    .addData(1f)
                                                    .addData(2f))
                                            .addVectors(
                                                Points.DenseVector.newBuilder()
                                                    .addData(3f)
                                                    .addData(4f)))
                                    .build())))
            .setShardKey(Collections.ShardKey.newBuilder().setKeyword("acme"))
            .build();
    assertThat(
            Migration.close(
                ProtoJson.point(typed),
                JSON.readTree(
                    """
                    {"id": "5c56c793-69f3-4fbf-87e6-c4bf54c28c26",
                     "payload": {"tags": ["a", {"deep": 1.5, "none": null}]},
                     "vector": {"dense": [1, 0.5],
                       "bm25": {"indices": [7, 4294967295], "values": [0.25, 2]},
                       "colbert": [[1, 2], [3, 4]]},
                     "shard_key": "acme"}
                    """),
                0))
        .isTrue();
    assertThat(ProtoJson.point(typed).at("/vector/bm25/indices/1").asLong()).isEqualTo(4294967295L);
  }

  @Test
  @SuppressWarnings("deprecation") // the fields a server older than the typed ones fills
  void deprecatedVectorFieldsAreReadWhenTheTypedOnesAreAbsent() throws Exception {
    Points.RetrievedPoint old =
        Points.RetrievedPoint.newBuilder()
            .setId(Common.PointId.newBuilder().setNum(9))
            .setVectors(
                Points.VectorsOutput.newBuilder()
                    .setVectors(
                        Points.NamedVectorsOutput.newBuilder()
                            .putVectors(
                                "multi",
                                Points.VectorOutput.newBuilder()
                                    .addData(1f)
                                    .addData(2f)
                                    .addData(3f)
                                    .addData(4f)
                                    .setVectorsCount(2)
                                    .build())
                            .putVectors(
                                "sparse",
                                Points.VectorOutput.newBuilder()
                                    .addData(0.5f)
                                    .setIndices(Points.SparseIndices.newBuilder().addData(3))
                                    .build())))
            .build();
    assertThat(
            Migration.close(
                ProtoJson.point(old),
                JSON.readTree(
                    """
                    {"id": 9, "payload": {},
                     "vector": {"multi": [[1, 2], [3, 4]],
                       "sparse": {"indices": [3], "values": [0.5]}}}
                    """),
                0))
        .isTrue();
    Points.RetrievedPoint unnamed =
        Points.RetrievedPoint.newBuilder()
            .setId(Common.PointId.newBuilder().setNum(1))
            .setVectors(
                Points.VectorsOutput.newBuilder()
                    .setVector(Points.VectorOutput.newBuilder().addData(1f).addData(2f)))
            .build();
    assertThat(ProtoJson.point(unnamed).get("vector")).hasToString("[1.0,2.0]");
  }

  @Test
  void enumsTakeQdrantsRestSpellings() {
    assertThat(spell(Collections.Distance.Euclid.getValueDescriptor())).isEqualTo("Euclid");
    assertThat(spell(Collections.QuantizationType.Int8.getValueDescriptor())).isEqualTo("int8");
    assertThat(spell(Collections.CompressionRatio.x16.getValueDescriptor())).isEqualTo("x16");
    assertThat(spell(Collections.BinaryQuantizationEncoding.TwoBits.getValueDescriptor()))
        .isEqualTo("two_bits");
    assertThat(spell(Collections.TurboQuantBitSize.Bits4.getValueDescriptor())).isEqualTo("bits4");
    assertThat(spell(Collections.PayloadSchemaType.Datetime.getValueDescriptor()))
        .isEqualTo("datetime");
    assertThat(ProtoJson.enumValue(Collections.Distance.UnknownDistance.getValueDescriptor()))
        .isNull();
    assertThat(ProtoJson.enumValue(Collections.Datatype.Default.getValueDescriptor())).isNull();
  }

  @Test
  void idsAndShardKeysRoundTrip() {
    assertThat(ProtoJson.pointId(ProtoJson.id(Common.PointId.newBuilder().setNum(42).build())))
        .isEqualTo(Common.PointId.newBuilder().setNum(42).build());
    Common.PointId uuid =
        Common.PointId.newBuilder().setUuid("5c56c793-69f3-4fbf-87e6-c4bf54c28c26").build();
    assertThat(ProtoJson.pointId(ProtoJson.id(uuid))).isEqualTo(uuid);
    assertThat(ProtoJson.json(Collections.ShardKey.newBuilder().setNumber(12).build()).asLong())
        .isEqualTo(12);
  }

  private static String spell(EnumValueDescriptor e) {
    return ProtoJson.enumValue(e).asText();
  }

  private static JsonWithInt.Value str(String s) {
    return JsonWithInt.Value.newBuilder().setStringValue(s).build();
  }
}
