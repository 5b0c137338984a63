package dev.quiver.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the configuration from its layers, later ones winning key by key: the embedded defaults,
 * {@code config/config}, {@code config/$RUN_MODE} (default {@code development}), {@code
 * config/local} (each {@code .yaml} or {@code .yml}, relative to the working directory, optional),
 * the {@code --config-path} file, then {@code QDRANT__*} environment variables.
 *
 * <p>One deliberate difference from Qdrant: a {@code --config-path} file that does not exist stops
 * the start instead of being logged and skipped, since silently running without the operator's file
 * (and its API key) is not acceptable for Quiver. Thread-safe: it holds only its YAML mapper.
 */
public final class ConfigLoader {
  static final String DEFAULTS_RESOURCE = "/dev/quiver/server/config/config.yaml";
  private static final String ENV_PREFIX = "qdrant__";
  private static final Set<String> TRUE = Set.of("true", "yes", "on", "1");
  private static final Set<String> FALSE = Set.of("false", "no", "off", "0");

  private static final PropertyNamingStrategies.NamingBase SNAKE =
      (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

  private final ObjectMapper yaml;

  public ConfigLoader() {
    yaml = new ObjectMapper(new YAMLFactory());
    yaml.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    yaml.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    yaml.configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);
    yaml.configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
    // Environment values arrive as text: let "7333" bind to an integer, but never "" to null/0.
    yaml.coercionConfigFor(LogicalType.Integer)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    yaml.coercionConfigFor(LogicalType.Float)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    yaml.coercionConfigFor(LogicalType.Enum)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    SimpleModule lenient = new SimpleModule("quiver-config");
    lenient.addDeserializer(Boolean.class, new LenientBoolean());
    yaml.registerModule(lenient);
  }

  /**
   * Loads the configuration.
   *
   * @param workDir directory that relative {@code config/...} files are looked up in
   * @param configPath the {@code --config-path} argument, or null
   * @param env the process environment (names as given; matched case-insensitively)
   */
  public LoadedConfig load(Path workDir, Path configPath, Map<String, String> env)
      throws ConfigException {
    List<String> sources = new ArrayList<>();
    ObjectNode defaults = defaults();
    ObjectNode tree = defaults.deepCopy();
    sources.add("built-in defaults");

    String runMode = env.getOrDefault("RUN_MODE", "development");
    for (String base : List.of("config", runMode, "local")) {
      Path file = firstExisting(workDir.resolve("config"), base);
      if (file != null) {
        merge(tree, readFile(file));
        sources.add(file.toString());
      }
    }
    if (configPath != null) {
      Path file = workDir.resolve(configPath);
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("Config file via --config-path is not found: " + file);
      }
      merge(tree, readFile(file));
      sources.add(file.toString());
    }
    if (applyEnvironment(tree, env)) {
      sources.add("environment");
    }

    List<String> ignored = new ArrayList<>();
    QuiverConfig config = bind(tree, defaults, ignored);
    return new LoadedConfig(config, sources, ignored);
  }

  private ObjectNode defaults() throws ConfigException {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new ConfigException("built-in defaults " + DEFAULTS_RESOURCE + " are missing");
      }
      return (ObjectNode) yaml.readTree(in);
    } catch (IOException e) {
      throw new ConfigException("cannot read built-in defaults: " + e.getMessage(), e);
    }
  }

  private static Path firstExisting(Path dir, String base) {
    for (String ext : List.of(".yaml", ".yml")) {
      Path p = dir.resolve(base + ext);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  private ObjectNode readFile(Path file) throws ConfigException {
    try {
      JsonNode node = yaml.readTree(file.toFile());
      if (node == null || node.isMissingNode() || node.isNull()) {
        return JsonNodeFactory.instance.objectNode();
      }
      if (!node.isObject()) {
        throw new ConfigException("Config file " + file + " must hold a mapping of sections");
      }
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      throw new ConfigException(
          "Config file " + file + " is not valid YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Deep merge: objects merge key by key, anything else replaces. */
  static void merge(ObjectNode into, ObjectNode from) {
    Iterator<Map.Entry<String, JsonNode>> fields = from.fields();
    while (fields.hasNext()) {
      var e = fields.next();
      JsonNode existing = into.get(e.getKey());
      if (existing instanceof ObjectNode target && e.getValue() instanceof ObjectNode source) {
        merge(target, source);
      } else {
        into.set(e.getKey(), e.getValue().deepCopy());
      }
    }
  }

  /**
   * {@code QDRANT__SERVICE__HTTP_PORT=7333} sets {@code service.http_port} to the text "7333";
   * binding converts it. Returns whether any variable applied.
   */
  static boolean applyEnvironment(ObjectNode tree, Map<String, String> env) {
    boolean any = false;
    for (var e : new TreeMap<>(env).entrySet()) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (!name.startsWith(ENV_PREFIX) || name.length() == ENV_PREFIX.length()) {
        continue;
      }
      String[] path = name.substring(ENV_PREFIX.length()).split("__", -1);
      if (List.of(path).contains("")) {
        continue;
      }
      ObjectNode node = tree;
      for (int i = 0; i < path.length - 1; i++) {
        JsonNode child = node.get(path[i]);
        if (!(child instanceof ObjectNode)) {
          child = node.putObject(path[i]);
        }
        node = (ObjectNode) child;
      }
      node.set(path[path.length - 1], TextNode.valueOf(e.getValue()));
      any = true;
    }
    return any;
  }

  private QuiverConfig bind(ObjectNode tree, ObjectNode defaults, List<String> ignored)
      throws ConfigException {
    List<String> unimplemented = new ArrayList<>();
    collectUnknown(tree, QuiverConfig.class, "", defaults, ignored, unimplemented);
    if (!unimplemented.isEmpty()) {
      throw new ConfigException(
          "invalid configuration: Quiver does not implement "
              + String.join(", ", unimplemented)
              + " (only the default value is accepted); remove the setting");
    }
    try {
      return yaml.treeToValue(tree, QuiverConfig.class);
    } catch (JsonMappingException e) {
      throw new ConfigException(describe(e), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException("invalid configuration: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Collects keys of {@code node} that {@code type} has no component for into {@code unknown},
   * except keys the built-in defaults carry (Qdrant settings Quiver accepts at their default value
   * only), and removes them so that binding sees only known keys. Such a key set to anything but
   * its default goes to {@code unimplemented} (as {@code key = value}), so that a setting Quiver
   * would not honour stops the start instead of being dropped.
   */
  private static void collectUnknown(
      ObjectNode node,
      Class<?> type,
      String prefix,
      JsonNode defaults,
      List<String> unknown,
      List<String> unimplemented) {
    Map<String, Class<?>> components = new HashMap<>();
    for (RecordComponent c : type.getRecordComponents()) {
      components.put(SNAKE.translate(c.getName()), c.getType());
    }
    for (String key : new ArrayList<>(iterable(node.fieldNames()))) {
      Class<?> componentType = components.get(key);
      JsonNode child = node.get(key);
      JsonNode defaultChild = defaults == null ? null : defaults.get(key);
      if (componentType == null) {
        if (defaultChild == null) {
          unknown.add(prefix + key);
        } else {
          differences(child, defaultChild, prefix + key, unimplemented);
        }
        node.remove(key);
      } else if (componentType.isRecord() && child instanceof ObjectNode o) {
        collectUnknown(o, componentType, prefix + key + ".", defaultChild, unknown, unimplemented);
      }
    }
  }

  /**
   * Adds {@code key = value} for each leaf of {@code given} that differs from {@code fallback}, the
   * built-in default (compared as text, since environment variables arrive as text; a secret's
   * value is never shown).
   */
  private static void differences(JsonNode given, JsonNode fallback, String key, List<String> out) {
    if (given instanceof ObjectNode o && fallback instanceof ObjectNode d) {
      for (String k : iterable(o.fieldNames())) {
        JsonNode dk = d.get(k);
        if (dk == null) {
          out.add(key + "." + k);
        } else {
          differences(o.get(k), dk, key + "." + k, out);
        }
      }
      return;
    }
    if (given.isContainerNode() || fallback.isContainerNode()) {
      if (!given.equals(fallback)) {
        out.add(key);
      }
      return;
    }
    String g = given.isNull() ? "null" : given.asText();
    String f = fallback.isNull() ? "null" : fallback.asText();
    if (!g.equalsIgnoreCase(f)) {
      boolean secret = key.contains("key") || key.contains("password") || key.contains("token");
      out.add(secret ? key : key + " = " + g);
    }
  }

  private static <T> List<T> iterable(Iterator<T> it) {
    List<T> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  private static String describe(JsonMappingException e) {
    StringBuilder key = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!key.isEmpty()) {
          key.append('.');
        }
        key.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        key.append('[').append(ref.getIndex()).append(']');
      }
    }
    String k = key.isEmpty() ? "(root)" : key.toString();
    boolean secret = k.contains("key") || k.contains("password") || k.contains("token");
    String expected = expectedType(e);
    if (e instanceof InvalidFormatException f && f.getValue() != null && !secret) {
      return "invalid configuration: " + k + " = \"" + f.getValue() + "\": expected " + expected;
    }
    if (e.getCause() instanceof IllegalArgumentException iae && !secret) {
      return "invalid configuration: " + k + ": " + iae.getMessage();
    }
    return "invalid configuration: " + k + " has a value of the wrong type: expected " + expected;
  }

  private static String expectedType(JsonMappingException e) {
    if (e instanceof InvalidFormatException f && f.getTargetType() != null) {
      Class<?> t = f.getTargetType();
      if (t.isEnum()) {
        List<String> names = new ArrayList<>();
        for (Object c : t.getEnumConstants()) {
          try {
            names.add(t.getField(((Enum<?>) c).name()).getAnnotation(JsonProperty.class).value());
          } catch (NoSuchFieldException | NullPointerException ex) {
            names.add(((Enum<?>) c).name());
          }
        }
        return "one of " + names;
      }
      return describeType(t);
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      return describeType(m.getTargetType());
    }
    return "another type";
  }

  private static String describeType(Class<?> t) {
    if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
      return "an integer";
    }
    if (t == Double.class || t == double.class) {
      return "a number";
    }
    if (t == Boolean.class || t == boolean.class) {
      return "a boolean (true/false/yes/no/on/off/1/0)";
    }
    if (t == String.class) {
      return "a string";
    }
    if (t.isRecord()) {
      return "a section (mapping)";
    }
    return t.getSimpleName();
  }

  /** Booleans as Qdrant's config crate reads them: true/false/yes/no/on/off/1/0, any case. */
  static final class LenientBoolean extends JsonDeserializer<Boolean> {
    @Override
    public Boolean deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_TRUE) {
        return true;
      }
      if (t == JsonToken.VALUE_FALSE) {
        return false;
      }
      if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT) {
        String s = p.getText().trim().toLowerCase(Locale.ROOT);
        if (TRUE.contains(s)) {
          return true;
        }
        if (FALSE.contains(s)) {
          return false;
        }
        throw InvalidFormatException.from(p, "not a boolean", p.getText(), Boolean.class);
      }
      return (Boolean) ctxt.handleUnexpectedToken(Boolean.class, p);
    }

    @Override
    public Boolean getNullValue(DeserializationContext ctxt) {
      return null;
    }
  }
}
