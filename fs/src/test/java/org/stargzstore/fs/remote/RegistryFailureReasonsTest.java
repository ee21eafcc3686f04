package org.stargzstore.fs.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.stargzstore.fs.als.NotLazyException;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.errors.RegistryUnauthorizedException;

class RegistryFailureReasonsTest {

  @Test
  void everyKindHasItsOwnRegistryReason() {
    Set<NotLazyException.Reason> seen = new HashSet<>();
    for (RegistryErrorKind k : RegistryErrorKind.values()) {
      NotLazyException.Reason r = RegistryFailureReasons.forKind(k);
      assertTrue(r.code().startsWith("registry-"), k + " -> " + r.code());
      assertTrue(seen.add(r), k + " shares " + r.code() + " with another kind");
    }
    assertFalse(seen.contains(NotLazyException.Reason.REGISTRY_ERROR),
        "registry-error is kept for untyped failures");
  }

  @Test
  void wrappedRegistryErrorIsFoundUntypedIsNot() {
    IOException wrapped = new IOException("resolving", new IOException("reading",
        new RegistryUnauthorizedException("pulling manifest r/x:1: HTTP 401")));
    assertEquals(Optional.of(NotLazyException.Reason.REGISTRY_UNAUTHORIZED),
        RegistryFailureReasons.forFailure(wrapped));
    assertEquals(Optional.of(NotLazyException.Reason.REGISTRY_SERVER_ERROR),
        RegistryFailureReasons.forFailure(new RegistryException(RegistryErrorKind.SERVER, "HTTP 503")));
    assertEquals(Optional.empty(), RegistryFailureReasons.forFailure(new IOException("disk full")));
    assertEquals(Optional.empty(), RegistryFailureReasons.forFailure(null));
  }
}
