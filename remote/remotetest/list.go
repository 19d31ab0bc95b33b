package remotetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/objfs/objfs/remote"
)

var listTests = map[string]func(*testing.T, *env){
	"Delimiter":        testListDelimiter,
	"Recursive":        testListRecursive,
	"Pagination":       testListPagination,
	"PaginationNested": testListPaginationNested,
	"Empty":            testListEmpty,
}

// listing is every page of one listing, concatenated.
type listing struct {
	objects  []remote.ObjectInfo
	prefixes []string
	pages    int
}

func (l listing) keys() []string {
	keys := make([]string, len(l.objects))
	for i, o := range l.objects {
		keys[i] = o.Key
	}
	return keys
}

// listAll follows NextToken to the end, checking each page against
// req.MaxKeys and the sort order.
func listAll(t *testing.T, e *env, req remote.ListRequest) listing {
	t.Helper()
	var l listing
	for {
		page, err := e.c.List(e.ctx, req)
		if err != nil {
			t.Fatalf("List %+v: %v", req, err)
		}
		l.pages++
		if n := len(page.Objects) + len(page.Prefixes); req.MaxKeys > 0 && n > req.MaxKeys {
			t.Fatalf("page %d has %d entries, MaxKeys %d", l.pages, n, req.MaxKeys)
		}
		for _, o := range page.Objects {
			if o.Metadata != nil {
				t.Errorf("listed object %q carries metadata %v", o.Key, o.Metadata)
			}
		}
		l.objects = append(l.objects, page.Objects...)
		l.prefixes = append(l.prefixes, page.Prefixes...)
		if page.NextToken == "" {
			break
		}
		if l.pages > 10000 {
			t.Fatal("listing does not end")
		}
		req.Token = page.NextToken
	}
	if !slices.IsSorted(l.keys()) || !slices.IsSorted(l.prefixes) {
		t.Fatalf("listing not sorted: keys %q prefixes %q", l.keys(), l.prefixes)
	}
	return l
}

func wantList(t *testing.T, what string, l listing, keys, prefixes []string) {
	t.Helper()
	if !slices.Equal(l.keys(), keys) || !slices.Equal(l.prefixes, prefixes) {
		t.Fatalf("%s: got keys %q prefixes %q\nwant keys %q prefixes %q", what, l.keys(), l.prefixes, keys, prefixes)
	}
}

// tree is a bucket layout with explicit ("dir/") and implicit directories
// and nesting. It has no object that is also a prefix ("x" and "x/y"):
// AWS allows that, but MinIO cannot list both, so the suite leaves it out.
var tree = []string{"a.txt", "d.txt", "dir/", "dir/x", "dir/y/z", "e/f", "f", "g/h/i/j"}

func testListDelimiter(t *testing.T, e *env) {
	for _, k := range tree {
		e.put(k, []byte(k), nil)
	}
	wantList(t, "root", listAll(t, e, remote.ListRequest{Bucket: e.bucket, Delimiter: "/"}),
		[]string{"a.txt", "d.txt", "f"}, []string{"dir/", "e/", "g/"})
	wantList(t, "dir/", listAll(t, e, remote.ListRequest{Bucket: e.bucket, Prefix: "dir/", Delimiter: "/"}),
		[]string{"dir/", "dir/x"}, []string{"dir/y/"})
	wantList(t, "g/", listAll(t, e, remote.ListRequest{Bucket: e.bucket, Prefix: "g/", Delimiter: "/"}),
		nil, []string{"g/h/"})
	wantList(t, "prefix d", listAll(t, e, remote.ListRequest{Bucket: e.bucket, Prefix: "d", Delimiter: "/"}),
		[]string{"d.txt"}, []string{"dir/"})
}

func testListRecursive(t *testing.T, e *env) {
	infos := map[string]remote.ObjectInfo{}
	for i, k := range tree {
		infos[k] = e.put(k, pattern(i*10, byte(i)), nil)
	}
	l := listAll(t, e, remote.ListRequest{Bucket: e.bucket})
	wantList(t, "recursive", l, tree, nil)
	for _, o := range l.objects {
		want := infos[o.Key]
		if o.Size != want.Size || o.ETag != want.ETag || o.LastModified.IsZero() {
			t.Errorf("listed %+v, want size %d ETag %s and a LastModified", o, want.Size, want.ETag)
		}
	}
	wantList(t, "recursive under dir/", listAll(t, e, remote.ListRequest{Bucket: e.bucket, Prefix: "dir/"}),
		[]string{"dir/", "dir/x", "dir/y/z"}, nil)
}

// testListPagination: MaxKeys counts objects and prefixes together, and
// every entry appears exactly once across pages.
func testListPagination(t *testing.T, e *env) {
	var keys []string
	for i := range 7 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	for _, k := range append(slices.Clone(keys), "p1/a", "p1/b", "p2/a") {
		e.put(k, nil, nil)
	}
	l := listAll(t, e, remote.ListRequest{Bucket: e.bucket, Delimiter: "/", MaxKeys: 2})
	wantList(t, "paged", l, keys, []string{"p1/", "p2/"})
	if l.pages < 5 { // listAll checked that no page exceeds MaxKeys
		t.Errorf("9 entries at MaxKeys 2 came in %d pages", l.pages)
	}
	l = listAll(t, e, remote.ListRequest{Bucket: e.bucket, MaxKeys: 3})
	wantList(t, "paged recursive", l, append(keys, "p1/a", "p1/b", "p2/a"), nil)
	if l.pages < 4 {
		t.Errorf("10 keys at MaxKeys 3 came in %d pages", l.pages)
	}
}

// testListPaginationNested: a common prefix holding many keys is one
// entry, even when a page ends on it.
func testListPaginationNested(t *testing.T, e *env) {
	for _, k := range []string{"a", "b/1", "b/2", "b/3", "b/4", "c", "d/1", "d/2", "e"} {
		e.put(k, nil, nil)
	}
	for _, n := range []int{1, 2, 3} {
		l := listAll(t, e, remote.ListRequest{Bucket: e.bucket, Delimiter: "/", MaxKeys: n})
		wantList(t, fmt.Sprintf("MaxKeys %d", n), l, []string{"a", "c", "e"}, []string{"b/", "d/"})
	}
}

func testListEmpty(t *testing.T, e *env) {
	page, err := e.c.List(e.ctx, remote.ListRequest{Bucket: e.bucket, Delimiter: "/"})
	if err != nil {
		t.Fatalf("List of an empty bucket: %v", err)
	}
	if len(page.Objects)+len(page.Prefixes) != 0 || page.NextToken != "" {
		t.Fatalf("empty bucket listed %+v", page)
	}
	e.put("x/y", nil, nil)
	page, err = e.c.List(e.ctx, remote.ListRequest{Bucket: e.bucket, Prefix: "nothing/", Delimiter: "/"})
	if err != nil || len(page.Objects)+len(page.Prefixes) != 0 || page.NextToken != "" {
		t.Fatalf("List of an unmatched prefix = %+v, %v", page, err)
	}
}
