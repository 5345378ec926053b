// A servlet filter for every Spark UI of a cluster (master, workers, the driver's
// application UI, the history server): a request passes only with the cluster's
// UI key in the X-Clusterport-UI-Key header, which the platform's UI proxy adds
// after checking the caller's presigned link. The key reaches the JVM in the
// environment (CLUSTERPORT_UI_KEY), never on its command line.
package clusterport;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

public final class UiKeyFilter implements Filter {
    public static final String HEADER = "X-Clusterport-UI-Key";
    private byte[] key;

    @Override
    public void init(FilterConfig config) throws ServletException {
        String value = System.getenv("CLUSTERPORT_UI_KEY");
        if (value == null || value.isEmpty()) {
            throw new ServletException("CLUSTERPORT_UI_KEY is not set: the UI would be open to all");
        }
        key = value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String given = ((HttpServletRequest) request).getHeader(HEADER);
        if (given != null && MessageDigest.isEqual(key, given.getBytes(StandardCharsets.UTF_8))) {
            chain.doFilter(request, response);
            return;
        }
        ((HttpServletResponse) response).sendError(
            HttpServletResponse.SC_FORBIDDEN,
            "This Spark UI answers only through the platform: open it with a presigned URL "
                + "(GetOnClusterAppUIPresignedURL or GetPersistentAppUIPresignedURL).");
    }

    @Override
    public void destroy() {
    }
}
