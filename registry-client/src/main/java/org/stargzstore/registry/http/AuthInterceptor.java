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
 * scope of an {@code insufficient_scope} error) and tries once more. A request sent before the
 * host's challenge was known answers its first 401 (the challenge) before that. Requests without a tag are
 * passed through untouched, so credentials never leave for another host.
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
    String first = authorization(known, tag, cred, false);
    Response resp = chain.proceed(withAuth(req, first));
    if (resp.code() == 401 && first == null && !AuthChallenge.of(resp).isEmpty()) {
      // a request sent before any challenge was known (a host's first request, which no ping
      // preceded): its 401 is the challenge, as a ping's would be, not a refusal of anything;
      // answer it, and keep the one refresh below for a token the registry then refuses
      List<AuthChallenge> challenge = AuthChallenge.of(resp);
      tag.host().challenges(challenge);
      String answer = authorization(challenge, tag, cred, false);
      if (answer == null) {
        return resp; // nothing to answer with: the caller reports 401
      }
      resp.close();
      first = answer;
      resp = chain.proceed(withAuth(req, first));
    }
    if (resp.code() != 401) {
      return resp;
    }
    List<AuthChallenge> fresh = AuthChallenge.of(resp);
    if (fresh.isEmpty()) {
      return resp;
    }
    tag.host().challenges(fresh);
    RequestTag retryTag = tag;
    for (AuthChallenge c : fresh) {
      if (c.isBearer() && "insufficient_scope".equals(c.param("error").orElse(""))) {
        for (String s : c.param("scope").orElse("").split(" ")) {
          AuthScope scope = AuthScope.parse(s);
          if (scope != null) {
            retryTag = retryTag.withExtraScope(scope);
          }
        }
      }
    }
    if (first != null && first.startsWith("Basic ")) {
      credentials.invalidate();
    }
    String second = authorization(fresh, retryTag, cred, true);
    if (second == null || second.equals(first)) {
      return resp; // nothing new to try: the caller reports 401
    }
    resp.close();
    LOG.fine(() -> "retrying " + Redaction.describe(req) + " with fresh authorization");
    return chain.proceed(withAuth(req, second));
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
