// Package metrics exports what an objfs mount does as Prometheus metrics
// (github.com/prometheus/client_golang), served in the text format on
// /metrics by Server (cmd/objfs --metrics-addr).
//
// It sits beside package fs, not under it: fs knows nothing of Prometheus
// and reports through its small fs.Observer interface (FUSE operations,
// connector decisions), which *Metrics implements; S3 requests are seen by
// a remote.Client decorator (WrapClient); cache and upload levels are read
// at scrape time from sources that cmd/objfs registers (AddSource), so
// nothing is copied or polled between scrapes. It imports remote and cache
// for their types only.
//
// # Files
//
//   - config.go: Config (metric name prefix, clock, latency buckets) with
//     defaults and Validate.
//   - metrics.go: Metrics, the registry and the counters and histograms
//     of S3 requests, FUSE operations and connector decisions; Op and
//     Decision (fs.Observer).
//   - client.go: WrapClient, the remote.Client decorator that counts every
//     request by operation and status class, times it, and counts the
//     bytes read (as the body is read) and written (acknowledged PUTs and
//     parts). Placed under the retry decorator it sees every attempt.
//     WrapConnectorClient also counts them under a connector's label.
//   - requestsize.go: the histogram of FUSE READ and WRITE request sizes
//     and the largest of each (RequestSize, fs.Observer), read back by
//     RequestSizes for `objfs status`.
//   - snapshot.go: Requests and Decisions, the counters read back for
//     `objfs status` (which is why cmd/objfs always creates Metrics).
//   - status.go: the status class of a request ("2xx", "4xx", "5xx",
//     "network", "canceled") and the symbolic name of an errno.
//   - trees.go: the collector of cache and upload levels, summed over the
//     registered sources (one per tree: a connectors mount has several).
//   - server.go: Server, the HTTP listener for /metrics.
//
// # Metrics (prefix objfs_)
//
//	s3_requests_total{op,status}             counter
//	s3_request_duration_seconds{op}          histogram
//	s3_read_bytes_total, s3_written_bytes_total  counters
//	fuse_operations_total{op}                counter
//	fuse_errors_total{op,errno}              counter
//	fuse_operation_duration_seconds{op}      histogram
//	fuse_request_size_bytes{op}              histogram (read|write)
//	connector_decisions_total{connector,decision}  counter (allowed|denied)
//	connector_s3_requests_total{connector,op}      counter
//	connector_s3_read_bytes_total{connector}, connector_s3_written_bytes_total{connector}  counters
//	cache_hits_total{tier}, cache_misses_total{tier}  counters (memory|disk)
//	cache_bytes{tier}, cache_blocks{tier}    gauges
//	cache_evictions_total{tier}, cache_fetches_total, cache_fetch_errors_total
//	metadata_cache_hits_total{kind}          counter (stat|negative|list)
//	metadata_cache_misses_total{kind}        counter (stat|list)
//	metadata_cache_entries{kind}             gauge (stat|list)
//	uploads_pending, upload_bytes_pending    gauges
//
// plus the Go runtime and process collectors. Labels have a small, fixed
// set of values (operation names, status classes, errno names, tiers,
// connector labels): never a key, a path or a bucket.
//
// # Concurrency
//
// Metrics.mu guards the list of sources (AddSource appends, a scrape
// copies it); it is a leaf lock, never held while a source is called.
// Everything else is Prometheus collectors, safe for concurrent use on
// their own. The decorator holds no state but the body counters of open
// GETs.
package metrics
