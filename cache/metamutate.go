package cache

// Token marks the moment a lookup or listing request was started; see
// Begin.
type Token uint64

// Begin returns a token to take before sending a HEAD or LIST whose result
// will be cached with PutDirSince, PutStatSince or PutNegativeSince. Those
// refuse the result (return false) if a write through the mount (Upsert,
// Remove, Invalidate) touched the same directory after Begin: the answer
// may predate the write and would hide it until the TTL ran out.
func (m *Meta) Begin() Token {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Token(m.seq)
}

// PutDirSince is PutDir unless prefix was mutated since t.
func (m *Meta) PutDirSince(t Token, bucket, prefix string, l *Listing) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := objKey{bucket, prefix}
	if m.mutatedSinceLocked(k, t) {
		return false
	}
	m.putDirLocked(k, l, m.now()+int64(m.cfg.ListTTL))
	return true
}

// PutStatSince is PutStat unless key's directory was mutated since t.
func (m *Meta) PutStatSince(t Token, bucket, key string, e Entry) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mutatedSinceLocked(objKey{bucket, parentPrefix(key)}, t) {
		return false
	}
	m.putStatLocked(objKey{bucket, key}, e)
	return true
}

// PutNegativeSince is PutNegative unless key's directory was mutated
// since t.
func (m *Meta) PutNegativeSince(t Token, bucket, key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mutatedSinceLocked(objKey{bucket, parentPrefix(key)}, t) {
		return false
	}
	m.putNegativeLocked(objKey{bucket, key})
	return true
}

// mutatedSinceLocked reports whether dir may have been mutated after t. A
// directory that fell out of the mutation memory is assumed mutated if t
// is older than what fell out.
func (m *Meta) mutatedSinceLocked(dir objKey, t Token) bool {
	if seq, ok := m.mutated.Peek(dir); ok {
		return seq > uint64(t)
	}
	return uint64(t) < m.floor
}

// markLocked records a mutation of key: key itself if it is a directory,
// its directory and every directory above it (which may gain or lose an implicit subdirectory). It also
// drops negative entries of those directories, which a write below them
// has just made wrong.
func (m *Meta) markLocked(bucket, key string) {
	m.seq++
	if key == "" || isDirKey(key) { // a directory's own listing changes too
		m.mutated.Add(objKey{bucket, key}, m.seq)
	}
	ancestors(key, func(prefix string) {
		m.mutated.Add(objKey{bucket, prefix}, m.seq)
		if prefix == "" {
			return
		}
		if r, ok := m.stats.Peek(objKey{bucket, prefix}); ok && !r.exists {
			m.stats.Remove(objKey{bucket, prefix})
		}
	})
}

// Upsert records a write through the mount of key (a file, or a directory
// as "dir/"; e.Name and e.IsDir are taken from key): the new entry is
// visible at once in key's stat and in the cached listing of its parent,
// and directories it implies appear in their cached parent listings. No
// listing is dropped or refetched, and no TTL is extended: an updated
// listing keeps its original expiry.
func (m *Meta) Upsert(bucket, key string, e Entry) {
	if key == "" {
		return
	}
	e.Name, e.IsDir = baseName(key), isDirKey(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.markLocked(bucket, key)
	m.putStatLocked(objKey{bucket, key}, e)
	m.upsertListingLocked(objKey{bucket, parentPrefix(key)}, e)
	ancestors(key, func(prefix string) {
		if prefix != "" {
			dir := Entry{Name: baseName(prefix), IsDir: true}
			m.insertIfMissingLocked(objKey{bucket, parentPrefix(prefix)}, dir)
		}
	})
}

// upsertListingLocked puts e into dir's cached listing, if there is one.
func (m *Meta) upsertListingLocked(dir objKey, e Entry) {
	d, ok := m.dirs.Peek(dir)
	if !ok {
		return
	}
	l, err := d.l.upsert(e)
	if err != nil {
		m.dirs.Remove(dir) // cannot grow: fall back to relisting
		return
	}
	if l != d.l {
		m.putDirLocked(dir, l, d.expires)
	}
}

// insertIfMissingLocked adds the implied directory e to dir's cached
// listing unless an entry of that name is there (a directory already, or
// a file the directory now shadows: then it is replaced).
func (m *Meta) insertIfMissingLocked(dir objKey, e Entry) {
	d, ok := m.dirs.Peek(dir)
	if !ok {
		return
	}
	if cur, found := d.l.Lookup(e.Name); found && cur.IsDir {
		return
	}
	m.upsertListingLocked(dir, e)
}

// Remove records a delete through the mount of key (a file, or a directory
// as "dir/"): its entry leaves the cached parent listing, key's stat
// becomes negative (for NegativeTTL), and a directory's own listing is
// dropped. A parent directory that existed only implicitly through key
// stays in its own parent's cached listing until that expires.
func (m *Meta) Remove(bucket, key string) {
	if key == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.markLocked(bucket, key)
	m.putNegativeLocked(objKey{bucket, key})
	if isDirKey(key) {
		m.dirs.Remove(objKey{bucket, key})
	}
	dir := objKey{bucket, parentPrefix(key)}
	if d, ok := m.dirs.Peek(dir); ok {
		if l := d.l.remove(baseName(key), isDirKey(key)); l != d.l {
			m.putDirLocked(dir, l, d.expires)
		}
	}
}

// Invalidate forgets what is cached about key after a change whose result
// is unknown (a failed write, a rename): key's stat, positive or negative,
// the listing of its parent directory, and for a directory its own
// listing. The parent's listing is enough to drop: a directory's entries
// are only ever answered from its own listing or their own stats.
// Ancestors above the parent keep their listings (a subdirectory that
// vanished with key shows until they expire).
func (m *Meta) Invalidate(bucket, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.markLocked(bucket, key)
	m.stats.Remove(objKey{bucket, key})
	if key == "" || isDirKey(key) {
		m.dirs.Remove(objKey{bucket, key})
	}
	if key != "" {
		m.dirs.Remove(objKey{bucket, parentPrefix(key)})
	}
}
