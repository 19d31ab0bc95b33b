package remotetest

import (
	"slices"
	"testing"

	"github.com/objfs/objfs/remote"
)

var keyTests = map[string]func(*testing.T, *env){
	"SpecialCharacters": testSpecialKeys,
}

// specialKeys are raw keys that URL paths, query strings, copy-source
// headers and XML listings must carry unchanged.
var specialKeys = []string{
	"with space",
	"dir with space/file+1.txt",
	"plus+sign",
	"percent%20literal%2F",
	"hash#fragment",
	"question?mark=1&b=2",
	"ünïcödé/日本語.txt",
	"tilde~star*",
	"semi;colon:at@dollar$comma,equals=",
	"quote'double\"",
	"back\\slash",
	"brackets[]{}()<>",
	"ctl\x01char",
}

func testSpecialKeys(t *testing.T, e *env) {
	for i, key := range specialKeys {
		e.put(key, []byte(key), map[string]string{"n": string(rune('a' + i))})
	}
	for _, key := range specialKeys {
		if h := e.head(key); h.Key != key || h.Size != int64(len(key)) {
			t.Errorf("Head %q = %+v", key, h)
		}
		wantBytes(t, "Get "+key, e.mustRead(remote.GetRequest{Key: key, Length: -1}), []byte(key))
		wantBytes(t, "ranged Get "+key, e.mustRead(remote.GetRequest{Key: key, Offset: 1, Length: 3}), []byte(key[1:4]))
	}
	listed := listAll(t, e, remote.ListRequest{Bucket: e.bucket})
	if want := slices.Sorted(slices.Values(specialKeys)); !slices.Equal(listed.keys(), want) {
		t.Fatalf("listing = %q\nwant      %q", listed.keys(), want)
	}
	dir := listAll(t, e, remote.ListRequest{Bucket: e.bucket, Prefix: "dir with space/", Delimiter: "/"})
	if !slices.Equal(dir.keys(), []string{"dir with space/file+1.txt"}) {
		t.Errorf("listing of %q = %q", "dir with space/", dir.keys())
	}
	for _, key := range specialKeys {
		dst := key + " copy+%#?"
		if _, err := e.c.Copy(e.ctx, remote.CopyRequest{SrcBucket: e.bucket, SrcKey: key,
			DstBucket: e.bucket, DstKey: dst}); err != nil {
			t.Fatalf("Copy %q: %v", key, err)
		}
		wantBytes(t, "copy of "+key, e.mustRead(remote.GetRequest{Key: dst, Length: -1}), []byte(key))
		for _, k := range []string{key, dst} {
			if err := e.c.Delete(e.ctx, e.bucket, k); err != nil {
				t.Fatalf("Delete %q: %v", k, err)
			}
		}
	}
	if rest := listAll(t, e, remote.ListRequest{Bucket: e.bucket}); len(rest.objects) != 0 {
		t.Fatalf("after deleting everything the listing still has %q", rest.keys())
	}
}
