package dev.quiver.bench;

import java.nio.file.Path;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.MMapDirectory;

/**
 * Lucene's HNSW as the peer in the ANN benchmark: the default codec's HNSW format (m=16, beam width
 * 100, the same as Quiver's defaults), one segment, one indexing thread, vectors compared by dot
 * product (the data set is L2-normalised, so this is cosine).
 */
final class LuceneHnsw implements AutoCloseable {
  private final DirectoryReader reader;
  private final IndexSearcher searcher;
  final double buildSeconds;

  LuceneHnsw(Path dir, float[][] base) throws Exception {
    long start = System.nanoTime();
    try (MMapDirectory d = new MMapDirectory(dir)) {
      IndexWriterConfig cfg =
          new IndexWriterConfig().setRAMBufferSizeMB(1024).setUseCompoundFile(false);
      try (IndexWriter w = new IndexWriter(d, cfg)) {
        for (int i = 0; i < base.length; i++) {
          Document doc = new Document();
          doc.add(new KnnFloatVectorField("v", base[i], VectorSimilarityFunction.DOT_PRODUCT));
          doc.add(new StoredField("id", i));
          w.addDocument(doc);
        }
        w.forceMerge(1);
        w.commit();
      }
    }
    buildSeconds = (System.nanoTime() - start) / 1e9;
    reader = DirectoryReader.open(new MMapDirectory(dir));
    searcher = new IndexSearcher(reader);
  }

  /** Top 10 base row numbers for {@code q}, searching with beam {@code ef}. */
  int[] search(float[] q, int ef) throws Exception {
    TopDocs top = searcher.search(new KnnFloatVectorQuery("v", q, ef), 10);
    int[] out = new int[top.scoreDocs.length];
    int i = 0;
    for (ScoreDoc sd : top.scoreDocs) {
      out[i++] = sd.doc; // one segment, added in order: doc number == row number
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    reader.close();
  }
}
