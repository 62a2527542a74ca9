/**
 * Reference HTTP servers for the single-event append (issue 11's HTTP floor): bare Jetty 12 and Netty 4.2 on native
 * epoll, answering {@code POST /api/aggregates/{id}/events} with the bytes {@code serve} answers, with no store or with
 * the file engine behind them, so that the same run can show what any HTTP server on this machine reaches. They serve
 * the bench's wrk script and nothing else: not a product path.
 */
@NullMarked
package dev.hindsight.bench.httpref;

import org.jspecify.annotations.NullMarked;
