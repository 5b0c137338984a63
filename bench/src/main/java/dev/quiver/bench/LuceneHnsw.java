package dev.quiver.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.RescoreTopNQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues;

/**
 * Lucene's HNSW as a peer in the ANN benchmark: the default codec's HNSW format (or its
 * scalar-quantized one) with the same {@code m} and beam width as Quiver, built by two indexing
 * threads and merged into one segment by two merge workers; dot product for the normalised text
 * embeddings, Euclid for the images.
 */
final class LuceneHnsw implements AutoCloseable {
  private final DirectoryReader reader;
  private final IndexSearcher searcher;
  private final int[] rowOf;
  final double buildSeconds;

  LuceneHnsw(Path dir, float[][] base, boolean euclid, int m, int beam) throws Exception {
    this(dir, base, euclid, m, beam, row -> List.of(), FLOAT);
  }

  /** Makes the vectors format of an index: its graph's m and beam, merges on {@code merges}. */
  interface Format {
    KnnVectorsFormat of(int m, int beam, ExecutorService merges);
  }

  /** Lucene's HNSW over float32 vectors. */
  static final Format FLOAT =
      (m, beam, merges) -> new Lucene99HnswVectorsFormat(m, beam, 2, merges);

  /**
   * Lucene's HNSW over scalar-quantized codes of {@code encoding} (8, 7, 4, 2 or 1 bits a
   * component; the float vectors kept beside them for rescoring).
   */
  static Format quantized(QuantizedByteVectorValues.ScalarEncoding encoding) {
    return (m, beam, merges) ->
        new Lucene104HnswScalarQuantizedVectorsFormat(encoding, m, beam, 2, merges);
  }

  /** An index whose document of row {@code i} also holds {@code fields.apply(i)} (for filters). */
  LuceneHnsw(
      Path dir,
      float[][] base,
      boolean euclid,
      int m,
      int beam,
      IntFunction<List<IndexableField>> fields,
      Format vectors)
      throws Exception {
    this(dir, base.length, i -> base[i], euclid, m, beam, fields, vectors);
  }

  /**
   * An index of {@code n} rows, row {@code i} being {@code row.apply(i)} (made when added, so a set
   * larger than the heap can be indexed), with {@code fields.apply(i)} beside it.
   */
  LuceneHnsw(
      Path dir,
      int n,
      IntFunction<float[]> row,
      boolean euclid,
      int m,
      int beam,
      IntFunction<List<IndexableField>> fields,
      Format vectors)
      throws Exception {
    VectorSimilarityFunction sim =
        euclid ? VectorSimilarityFunction.EUCLIDEAN : VectorSimilarityFunction.DOT_PRODUCT;
    long start = System.nanoTime();
    ExecutorService merges =
        Executors.newFixedThreadPool(2, Thread.ofPlatform().name("lucene-merge-", 0).factory());
    try (MMapDirectory d = new MMapDirectory(dir)) {
      KnnVectorsFormat format = vectors.of(m, beam, merges);
      IndexWriterConfig cfg =
          new IndexWriterConfig()
              .setRAMBufferSizeMB(1024)
              .setUseCompoundFile(false)
              .setCodec(
                  new Lucene104Codec() {
                    @Override
                    public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                      return format;
                    }
                  });
      try (IndexWriter w = new IndexWriter(d, cfg)) {
        Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.length; t++) {
          int first = t;
          threads[t] =
              Thread.ofPlatform()
                  .start(
                      () -> {
                        try {
                          for (int i = first; i < n; i += 2) {
                            Document doc = new Document();
                            doc.add(new KnnFloatVectorField("v", row.apply(i), sim));
                            doc.add(new NumericDocValuesField("row", i));
                            fields.apply(i).forEach(doc::add);
                            w.addDocument(doc);
                          }
                        } catch (Exception e) {
                          throw new IllegalStateException(e);
                        }
                      });
        }
        for (Thread t : threads) {
          t.join();
        }
        w.forceMerge(1);
        w.commit();
      }
    } finally {
      merges.shutdown();
    }
    buildSeconds = (System.nanoTime() - start) / 1e9;
    reader = DirectoryReader.open(new MMapDirectory(dir));
    searcher = new IndexSearcher(reader);
    // documents were added by two threads: map each doc number to its row once, outside timing
    rowOf = new int[reader.maxDoc()];
    NumericDocValues rows = reader.leaves().getFirst().reader().getNumericDocValues("row");
    for (int doc = rows.nextDoc(); doc != NumericDocValues.NO_MORE_DOCS; doc = rows.nextDoc()) {
      rowOf[doc] = (int) rows.longValue();
    }
  }

  /** Top 10 base row numbers for {@code q}, searching with beam {@code ef}. */
  int[] search(float[] q, int ef) throws Exception {
    return search(q, ef, null);
  }

  /**
   * Top 10 base row numbers for {@code q} among the documents {@code filter} matches (all when
   * null): Lucene's filtered HNSW, which searches the graph or scans the matches exactly as the
   * filter's cost says.
   */
  int[] search(float[] q, int ef, Query filter) throws Exception {
    return search(q, ef, filter, 1);
  }

  /**
   * As {@link #search(float[], int, Query)}, for a quantized index: the best {@code 10 ×
   * oversample} by the codes are rescored with the float vectors (Lucene's full-precision
   * rescorer), as Quiver rescores its quantized candidates.
   */
  int[] search(float[] q, int ef, Query filter, double oversample) throws Exception {
    int n = (int) Math.ceil(10 * oversample);
    Query knn = new KnnFloatVectorQuery("v", q, Math.max(n, ef), filter);
    Query query =
        oversample > 1 ? RescoreTopNQuery.createFullPrecisionRescorerQuery(knn, q, "v", n) : knn;
    TopDocs top = searcher.search(query, 10);
    int[] out = new int[top.scoreDocs.length];
    int i = 0;
    for (ScoreDoc sd : top.scoreDocs) {
      out[i++] = rowOf[sd.doc];
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    reader.close();
  }
}
