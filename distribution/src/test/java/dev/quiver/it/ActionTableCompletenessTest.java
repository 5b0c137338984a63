package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.security.Action;
import dev.quiver.security.ActionTable;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthGrpc;
import io.qdrant.client.grpc.CollectionsGrpc;
import io.qdrant.client.grpc.PointsGrpc;
import io.qdrant.client.grpc.QdrantGrpc;
import io.qdrant.client.grpc.SnapshotsGrpc;
import io.qdrant.client.grpc.StorageReadGrpc;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every REST operation of Qdrant's OpenAPI and every public gRPC method has an access rule. */
class ActionTableCompletenessTest {
  private final ActionTable table = ActionTable.standard();

  static List<ServiceDescriptor> publicServices() {
    return List.of(
        CollectionsGrpc.getServiceDescriptor(),
        PointsGrpc.getServiceDescriptor(),
        SnapshotsGrpc.getServiceDescriptor(),
        QdrantGrpc.getServiceDescriptor(),
        StorageReadGrpc.getServiceDescriptor(),
        HealthGrpc.getServiceDescriptor());
  }

  @Test
  void everyOpenApiOperationHasAnEntryUnderItsOperationId() throws Exception {
    JsonNode spec;
    try (InputStream in = getClass().getResourceAsStream("/openapi/openapi.json")) {
      spec = new ObjectMapper().readTree(in);
    }
    List<String> missing = new ArrayList<>();
    int count = 0;
    for (var path : spec.get("paths").properties()) {
      for (var op : path.getValue().properties()) {
        count++;
        String method = op.getKey().toUpperCase();
        String operationId = op.getValue().path("operationId").asText();
        Optional<Action> a =
            table.restActions().stream()
                .filter(x -> x.httpMethod().equals(method) && x.path().equals(path.getKey()))
                .findFirst();
        if (a.isEmpty() || !a.get().operation().equals(operationId)) {
          missing.add(method + " " + path.getKey() + " (" + operationId + ")");
        }
      }
    }
    assertThat(count).isGreaterThan(60);
    assertThat(missing).as("REST operations without an access rule").isEmpty();
  }

  @Test
  void everyPublicGrpcMethodHasAnEntry() {
    List<String> missing = new ArrayList<>();
    for (ServiceDescriptor s : publicServices()) {
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        if (table.forGrpc(m.getFullMethodName()).isEmpty()
            && !m.getFullMethodName().startsWith("grpc.health.v1.Health/Watch")
            && !m.getFullMethodName().startsWith("grpc.health.v1.Health/List")) {
          missing.add(m.getFullMethodName());
        }
      }
    }
    assertThat(missing).as("gRPC methods without an access rule").isEmpty();
  }

  @Test
  void routesAreUnique() {
    List<String> seen = new ArrayList<>();
    for (Action a : table.restActions()) {
      String key = a.httpMethod() + " " + a.path();
      assertThat(seen).as("duplicate route").doesNotContain(key);
      seen.add(key);
    }
  }
}
