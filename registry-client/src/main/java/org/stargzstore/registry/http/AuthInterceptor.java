package org.stargzstore.registry.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import okhttp3.Credentials;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.stargzstore.registry.auth.AuthChallenge;
import org.stargzstore.registry.auth.AuthScope;
import org.stargzstore.registry.auth.Credential;
import org.stargzstore.registry.auth.CredentialResolver;

/**
 * Authenticates requests to a registry's API (those with a {@link RequestTag}): it answers the
 * challenge the host sent last (Basic with the resolved credentials, or a bearer token for the
 * request's scopes), and on a 401 reads the new challenge, fetches a fresh token (with the extra
 * scope of an {@code insufficient_scope} error) and tries once more. A 401 to a request that
 * carried no credentials (sent before the host's challenge was known) is the challenge itself,
 * answered without using up that one retry. Requests without a tag are passed through
 * untouched, so credentials never leave for another host.
 */
public final class AuthInterceptor implements Interceptor {
  private static final Logger LOG = Logger.getLogger(AuthInterceptor.class.getName());
  private final CredentialResolver credentials;
  private final TokenClient tokens;

  public AuthInterceptor(CredentialResolver credentials, TokenClient tokens) {
    this.credentials = credentials;
    this.tokens = tokens;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request req = chain.request();
    RequestTag tag = req.tag(RequestTag.class);
    if (tag == null || !req.url().host().equals(hostOf(tag.host().hostPort()))) {
      return chain.proceed(req);
    }
    Optional<Credential> cred = credentials.resolve(tag.credentialKey());
    List<AuthChallenge> known = tag.host().challenges();
    String sent = authorization(known, tag, cred, false);
    Response resp = chain.proceed(withAuth(req, sent));
    RequestTag retryTag = tag;
    boolean refreshed = false;
    while (resp.code() == 401) {
      List<AuthChallenge> fresh = AuthChallenge.of(resp);
      if (fresh.isEmpty()) {
        return resp;
      }
      tag.host().challenges(fresh);
      // a 401 to a request that carried no credentials (a host's first request, no ping before
      // it) is the host's challenge, not a refusal: it is answered without using up the one
      // refresh a refused token or password gets
      boolean refused = sent != null;
      if (refused && refreshed) {
        return resp;
      }
      retryTag = withInsufficientScope(retryTag, fresh);
      if (refused && sent.startsWith("Basic ")) {
        credentials.invalidate();
      }
      String next = authorization(fresh, retryTag, cred, refused);
      if (next == null || next.equals(sent)) {
        return resp; // nothing new to try: the caller reports 401
      }
      resp.close();
      LOG.fine(() -> "retrying " + Redaction.describe(req) + " with fresh authorization");
      sent = next;
      refreshed |= refused;
      resp = chain.proceed(withAuth(req, next));
    }
    return resp;
  }

  /** {@code tag} with the scopes an {@code insufficient_scope} challenge asks for added. */
  private static RequestTag withInsufficientScope(RequestTag tag, List<AuthChallenge> challenges) {
    RequestTag out = tag;
    for (AuthChallenge c : challenges) {
      if (c.isBearer() && "insufficient_scope".equals(c.param("error").orElse(""))) {
        for (String s : c.param("scope").orElse("").split(" ")) {
          AuthScope scope = AuthScope.parse(s);
          if (scope != null) {
            out = out.withExtraScope(scope);
          }
        }
      }
    }
    return out;
  }

  /** The Authorization header value for the first usable challenge, or null. */
  private String authorization(List<AuthChallenge> challenges, RequestTag tag,
      Optional<Credential> cred, boolean refresh) throws IOException {
    for (AuthChallenge c : challenges) {
      if (c.isBearer()) {
        return "Bearer " + tokens.token(c, tag.scopes(), cred, refresh, tag.action()).token();
      }
      if (c.isBasic()) {
        if (cred.isEmpty() || cred.get().username().isEmpty()) {
          return null;
        }
        return Credentials.basic(cred.get().username(), cred.get().password(),
            StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static Request withAuth(Request req, String authorization) {
    return authorization == null ? req
        : req.newBuilder().header("Authorization", authorization).build();
  }

  private static String hostOf(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return colon < 0 ? hostPort : hostPort.substring(0, colon);
  }
}
