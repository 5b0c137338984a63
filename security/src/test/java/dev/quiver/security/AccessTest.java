package dev.quiver.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessTest {
  private static final Access CR = new Access.Collections(Map.of("c", Access.Mode.R));
  private static final Access CRW = new Access.Collections(Map.of("c", Access.Mode.RW));
  private static final Access CPRW = new Access.Collections(Map.of("c", Access.Mode.PRW));

  private static void allowed(Access a, Requirement r) {
    assertThatCode(() -> a.check(r, "c")).as("%s %s", a, r).doesNotThrowAnyException();
  }

  private static void denied(Access a, Requirement r, String message) {
    assertThatThrownBy(() -> a.check(r, "c"))
        .as("%s %s", a, r)
        .isInstanceOf(Forbidden.class)
        .hasMessage(message);
  }

  @Test
  void manageMayDoEverything() {
    for (Requirement r : Requirement.values()) {
      allowed(Access.MANAGE, r);
    }
  }

  @Test
  void globalReadOnlyReads() {
    for (Requirement r :
        new Requirement[] {
          Requirement.OPEN,
          Requirement.ANY,
          Requirement.GLOBAL_READ,
          Requirement.COLLECTION_READ,
          Requirement.COLLECTION_READ_EXTRAS
        }) {
      allowed(Access.READ, r);
    }
    for (Requirement r :
        new Requirement[] {
          Requirement.GLOBAL_MANAGE,
          Requirement.COLLECTION_WRITE,
          Requirement.COLLECTION_EXTRAS,
          Requirement.COLLECTION_MANAGE
        }) {
      denied(Access.READ, r, "Global manage access is required");
    }
  }

  @Test
  void collectionModes() {
    allowed(CR, Requirement.COLLECTION_READ);
    allowed(CR, Requirement.COLLECTION_READ_EXTRAS);
    denied(CR, Requirement.COLLECTION_WRITE, "Write access to collection c is required");
    denied(CR, Requirement.COLLECTION_EXTRAS, "Write access to collection c is required");
    allowed(CRW, Requirement.COLLECTION_WRITE);
    allowed(CRW, Requirement.COLLECTION_EXTRAS);
    allowed(CPRW, Requirement.COLLECTION_WRITE);
    denied(CPRW, Requirement.COLLECTION_EXTRAS, "Only points access is allowed for collection c");
    denied(
        CPRW, Requirement.COLLECTION_READ_EXTRAS, "Only points access is allowed for collection c");
    for (Access a : new Access[] {CR, CRW, CPRW}) {
      allowed(a, Requirement.ANY);
      denied(a, Requirement.GLOBAL_READ, "Global access is required");
      denied(a, Requirement.GLOBAL_MANAGE, "Global access is required");
      denied(a, Requirement.COLLECTION_MANAGE, "Manage access for this operation is required");
      assertThatThrownBy(() -> a.check(Requirement.COLLECTION_READ, "other"))
          .hasMessage("Access to collection other is required");
    }
  }

  @Test
  void lookupsAndListsFollowTheToken() {
    assertThatThrownBy(() -> CR.checkReadAll(java.util.List.of("c", "x")))
        .hasMessage("Access to collection x is required");
    org.assertj.core.api.Assertions.assertThat(CR.visible().test("c")).isTrue();
    org.assertj.core.api.Assertions.assertThat(CR.visible().test("x")).isFalse();
    org.assertj.core.api.Assertions.assertThat(Access.READ.visible().test("x")).isTrue();
  }
}
