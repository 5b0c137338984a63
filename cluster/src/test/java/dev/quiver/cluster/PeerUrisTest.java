package dev.quiver.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import org.junit.jupiter.api.Test;

class PeerUrisTest {
  @Test
  void composeServiceNamesWithUnderscoresKeepTheirHost() {
    URI uri = URI.create("https://qdrant_node_1:6335");
    assertNull(uri.getHost(), "the JDK rejects the name, which is why PeerUris exists");
    assertEquals("qdrant_node_1", PeerUris.host(uri));
    assertEquals("qdrant_node_1:6335", PeerUris.hostPort(uri));
  }

  @Test
  void ordinaryHostsAndAddresses() {
    assertEquals("node-2.example", PeerUris.host(URI.create("https://node-2.example:6335")));
    assertEquals("127.0.0.1", PeerUris.host(URI.create("http://127.0.0.1:6335")));
    assertEquals("qdrant_node_2", PeerUris.host(URI.create("https://qdrant_node_2")));
    assertNull(PeerUris.host(URI.create("qdrant_node_1")));
  }

  @Test
  void aPortIsRequiredForHostPort() {
    assertThrows(
        IllegalArgumentException.class,
        () -> PeerUris.hostPort(URI.create("https://qdrant_node_1")));
    assertThrows(
        IllegalArgumentException.class,
        () -> PeerUris.hostPort(URI.create("https://qdrant_node_1:70000")));
  }
}
