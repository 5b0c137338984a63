package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A JSON array of numbers held as primitives: a vector of 384 numbers is one {@code double[]}
 * instead of 384 number nodes in a list. It is an {@link ArrayNode} whose members are made as they
 * are asked for, exactly the nodes a tree would hold ({@link IntNode} for an integer in {@code int}
 * range, {@link DoubleNode} otherwise), so every reader of the tree sees what it saw; the vector
 * decoders take {@link #floats} instead. Arrays with integers outside the {@code int} range are
 * never held this way (a double does not keep every long).
 *
 * <p>Not thread-safe, as a tree is not: a request's tree is read by the thread that handles it.
 */
final class NumberArray extends ArrayNode {
  private final Members members;

  private NumberArray(Members members) {
    super(JsonNodeFactory.instance, members);
    this.members = members;
  }

  /** The first {@code size} of {@code values}, {@code ints} marking those written as integers. */
  static NumberArray of(double[] values, int size, BitSet ints) {
    return new NumberArray(new Members(values, size, ints));
  }

  /**
   * The members as floats (as {@link JsonNode#floatValue} gives each), or null once the array was
   * changed (then its members are read as nodes).
   */
  float[] floats() {
    return members.floats();
  }

  /**
   * The list behind the node: primitives until someone changes it, then ordinary nodes (a request
   * tree is rarely changed, and never where vectors are).
   */
  private static final class Members extends AbstractList<JsonNode> {
    private final double[] values;
    private final int size;
    private final BitSet ints;
    private List<JsonNode> nodes; // once changed

    Members(double[] values, int size, BitSet ints) {
      this.values = values;
      this.size = size;
      this.ints = ints;
    }

    @Override
    public JsonNode get(int i) {
      if (nodes != null) {
        return nodes.get(i);
      }
      if (i < 0 || i >= size) {
        throw new IndexOutOfBoundsException(i);
      }
      return ints.get(i) ? IntNode.valueOf((int) values[i]) : DoubleNode.valueOf(values[i]);
    }

    @Override
    public int size() {
      return nodes != null ? nodes.size() : size;
    }

    float[] floats() {
      if (nodes != null) {
        return null;
      }
      float[] out = new float[size];
      for (int i = 0; i < size; i++) {
        out[i] = (float) values[i];
      }
      return out;
    }

    private List<JsonNode> changing() {
      if (nodes == null) {
        List<JsonNode> list = new ArrayList<>(size + 1);
        for (int i = 0; i < size; i++) {
          list.add(get(i));
        }
        nodes = list;
      }
      return nodes;
    }

    @Override
    public JsonNode set(int i, JsonNode node) {
      return changing().set(i, node);
    }

    @Override
    public void add(int i, JsonNode node) {
      changing().add(i, node);
      modCount++;
    }

    @Override
    public JsonNode remove(int i) {
      modCount++;
      return changing().remove(i);
    }
  }
}
