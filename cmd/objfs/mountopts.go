package main

import (
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// Command lines in the form mount(8) uses. mount.fuse3 runs a file system
// of type fuse.objfs as `objfs SOURCE MOUNTPOINT -o OPTIONS` (the program
// is looked up in /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:
// /sbin:/bin: mount clears PATH), with the options of the fstab line
// minus those mount itself consumes (_netdev, nofail, noauto, user,
// x-*, comment=) and plus nosuid,nodev / dev,suid. translateArgs turns
// that form, and -o anywhere in `objfs mount`, into ordinary flags, so
// that the rest of the program sees only `objfs mount FLAGS SOURCE
// MOUNTPOINT`.

// ignoredOptions are accepted and have no effect: options for mount(8)
// and systemd that reach the helper on some systems, options objfs
// always applies (default_permissions, nosuid, nodev), and options that
// have no meaning for objfs (atime, sync: S3 keeps no access times and
// every close already waits for S3).
var ignoredOptions = map[string]bool{
	"_netdev": true, "nofail": true, "noauto": true, "auto": true, "defaults": true,
	"user": true, "users": true, "nouser": true, "owner": true, "group": true,
	"suid": true, "nosuid": true, "dev": true, "nodev": true,
	"atime": true, "noatime": true, "relatime": true, "norelatime": true,
	"strictatime": true, "nostrictatime": true, "lazytime": true, "nolazytime": true,
	"diratime": true, "nodiratime": true, "sync": true, "async": true, "dirsync": true,
	"silent": true, "loud": true, "default_permissions": true,
}

// ignoredValueOptions are NAME=VALUE options accepted and ignored:
// comment= (for fstab tools), fsname= and subtype= (objfs names its mounts
// itself).
var ignoredValueOptions = map[string]bool{"comment": true, "fsname": true, "subtype": true}

// optionHints explain options that look plausible but objfs does not take.
var optionHints = map[string]string{
	"allow_root":  "objfs supports allow_other only",
	"setuid":      "setuid= is handled by mount.fuse3 itself; use it through mount(8)",
	"credentials": "credentials never come from options: use profile= (~/.aws of the mounting user) or the environment",
}

// translateArgs rewrites the mount(8) forms into `objfs mount ...`:
//
//	objfs SOURCE MOUNTPOINT [-o OPTIONS] [-f] [FLAGS]
//	objfs mount [FLAGS] SOURCE MOUNTPOINT with -o OPTIONS anywhere
//
// commands are the names of the app's commands. Anything else is returned
// unchanged.
func translateArgs(args []string, commands map[string]bool, flags []cli.Flag) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	if args[1] == "mount" {
		return translateMountCommand(args, flags)
	}
	// mount.fuse3 always passes -o (it adds nosuid,nodev or dev,suid),
	// which no command takes; without it, an s3:// SOURCE first.
	pos := positionals(args[1:], flags)
	if hasOptions(args[1:]) || len(pos) > 0 && !commands[pos[0]] && strings.Contains(pos[0], "://") {
		return translateHelper(args, flags)
	}
	return args, nil
}

// hasOptions reports whether args hold a -o option.
func hasOptions(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-o") && !strings.HasPrefix(a, "--") {
			return true
		}
	}
	return false
}

// translateMountCommand replaces every -o OPTIONS of `objfs mount` by the
// flags they stand for, placed right after "mount" (flags given
// explicitly come later and win).
func translateMountCommand(args []string, flags []cli.Flag) ([]string, error) {
	var opts, rest []string
	for i := 2; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		o, skip, ok, err := optionToken(args, i)
		if err != nil {
			return nil, err
		}
		if !ok {
			rest = append(rest, a)
			if takesValue(a, flags) && i+1 < len(args) {
				rest = append(rest, args[i+1])
				i++
			}
			continue
		}
		f, err := optionsToFlags(o, flags)
		if err != nil {
			return nil, err
		}
		opts = append(opts, f...)
		i += skip
	}
	out := append([]string{args[0], "mount"}, opts...)
	return append(out, rest...), nil
}

// translateHelper turns `objfs SOURCE MOUNTPOINT -o OPTIONS [-f]` into
// `objfs mount FLAGS SOURCE MOUNTPOINT`. With connectors=FILE the SOURCE
// field (any word, "connectors" by convention) is dropped, unless it is
// an s3:// URL, which --connectors refuses.
func translateHelper(args []string, flags []cli.Flag) ([]string, error) {
	var out, pos []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		o, skip, ok, err := optionToken(args, i)
		switch {
		case err != nil:
			return nil, err
		case ok:
			f, err := optionsToFlags(o, flags)
			if err != nil {
				return nil, err
			}
			out = append(out, f...)
			i += skip
		case a == "-f":
			out = append(out, "--"+flagForeground)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			out = append(out, a)
			if takesValue(a, flags) && i+1 < len(args) {
				out = append(out, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) == 2 && hasFlag(out, flagConnectors) && !strings.Contains(pos[0], "://") {
		pos = pos[1:]
	}
	return append(append([]string{args[0], "mount"}, out...), pos...), nil
}

// optionToken reports whether args[i] is -o (its options in the next
// argument: skip 1) or -oOPTIONS (skip 0), and the options.
func optionToken(args []string, i int) (opts string, skip int, ok bool, err error) {
	a := args[i]
	switch {
	case a == "-o":
		if i+1 >= len(args) {
			return "", 0, false, usageErrorf("mount", "-o needs OPTIONS, e.g. -o ro,endpoint=http://127.0.0.1:9000")
		}
		return args[i+1], 1, true, nil
	case strings.HasPrefix(a, "-o") && !strings.HasPrefix(a, "--"):
		return a[2:], 0, true, nil
	}
	return "", 0, false, nil
}

// optionsToFlags translates one -o list into flags: NAME or NAME=VALUE,
// comma-separated (a comma inside a value is written \,). Every mount
// flag is an option, with - or _ between words (path_style, file-mode);
// ro and rw set --read-only, noexec and exec --no-exec, nonempty
// --allow-non-empty; the options of
// ignoredOptions are accepted and ignored. Anything else is an error
// that names it.
func optionsToFlags(opts string, flags []cli.Flag) ([]string, error) {
	byName := flagsByName(flags)
	var out []string
	for _, o := range splitOptions(opts) {
		if o == "" {
			continue
		}
		f, err := optionToFlag(o, byName)
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	return out, nil
}

// optionToFlag translates one option.
func optionToFlag(o string, byName map[string]cli.Flag) ([]string, error) {
	name, value, hasValue := strings.Cut(o, "=")
	key := strings.ReplaceAll(name, "-", "_")
	switch {
	case !hasValue && ignoredOptions[key], hasValue && ignoredValueOptions[key],
		strings.HasPrefix(key, "x_"):
		return nil, nil
	case o == "ro":
		return []string{"--" + flagReadOnly + "=true"}, nil
	case o == "rw":
		return []string{"--" + flagReadOnly + "=false"}, nil
	case o == "noexec":
		return []string{"--" + flagNoExec + "=true"}, nil
	case o == "exec":
		return []string{"--" + flagNoExec + "=false"}, nil
	case o == "nonempty": // libfuse 2's name, still in many fstabs
		return []string{"--" + flagAllowNonEmpty + "=true"}, nil
	}
	if hint, ok := optionHints[key]; ok {
		return nil, usageErrorf("mount", "unsupported mount option %q: %s", name, hint)
	}
	flagName := strings.ReplaceAll(name, "_", "-")
	f, ok := byName[flagName]
	if !ok {
		return nil, usageErrorf("mount", "unknown mount option %q", name)
	}
	if _, isBool := f.(*cli.BoolFlag); isBool {
		if !hasValue {
			return []string{"--" + flagName + "=true"}, nil
		}
		if _, err := strconv.ParseBool(value); err != nil {
			return nil, usageErrorf("mount", "mount option %s=%s: want true or false", name, value)
		}
		return []string{"--" + flagName + "=" + value}, nil
	}
	if !hasValue {
		return nil, usageErrorf("mount", "mount option %q needs a value (%s=...)", name, name)
	}
	return []string{"--" + flagName + "=" + value}, nil
}

// splitOptions splits on commas not preceded by a backslash, and removes
// those backslashes.
func splitOptions(s string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == ',':
			b.WriteByte(',')
			i++
		case s[i] == ',':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(out, b.String())
}

// flagsByName indexes flags by every name and alias.
func flagsByName(flags []cli.Flag) map[string]cli.Flag {
	m := make(map[string]cli.Flag, len(flags))
	for _, f := range flags {
		for _, n := range f.Names() {
			m[n] = f
		}
	}
	return m
}

// takesValue reports whether a is a flag (-name or --name, no "=value")
// that takes its value from the next argument.
func takesValue(a string, flags []cli.Flag) bool {
	name := strings.TrimLeft(a, "-")
	if name == a || strings.Contains(name, "=") {
		return false
	}
	f, ok := flagsByName(flags)[name]
	if !ok {
		return false
	}
	_, isBool := f.(*cli.BoolFlag)
	return !isBool
}

// positionals returns the arguments that are neither flags, flag values
// nor -o options.
func positionals(args []string, flags []cli.Flag) []string {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o":
			i++
		case strings.HasPrefix(a, "-") && len(a) > 1:
			if takesValue(a, flags) {
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return pos
}

// hasFlag reports whether the translated flags set name.
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "--"+name || strings.HasPrefix(a, "--"+name+"=") || a == "-"+name || strings.HasPrefix(a, "-"+name+"=") {
			return true
		}
	}
	return false
}

// commandNames returns the names and aliases of app's commands.
func commandNames(app *cli.App) map[string]bool {
	m := map[string]bool{"help": true, "h": true}
	for _, c := range app.Commands {
		for _, n := range c.Names() {
			m[n] = true
		}
	}
	return m
}
