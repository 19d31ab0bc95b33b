package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// A TLS server (NewTLSMinIO) serves HTTPS with a self-signed certificate
// for 127.0.0.1, which MinIO reads from its certs directory (public.crt,
// private.key), and has a static KMS key (MINIO_KMS_SECRET_KEY): MinIO
// accepts SSE-C only over TLS, and SSE-KMS only with a KMS.

// TLSKMSKeyID is the name of a TLS server's KMS key, for SSE-KMS
// requests that name one.
const TLSKMSKeyID = "objfs-test-key"

// NewTLSMinIO starts a MinIO of t's own serving HTTPS (Endpoint is
// https://...) with a certificate that CAFile holds, and a static KMS
// key named TLSKMSKeyID. SDK trusts the certificate; other clients must
// be given CAFile.
func NewTLSMinIO(t testing.TB) *Server {
	t.Helper()
	bin := minioOrSkip(t)
	srv, err := startServerWith(bin, "", true)
	if err != nil {
		t.Fatalf("start MinIO with TLS: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.destroy(); err != nil {
			t.Errorf("stop MinIO: %v", err)
		}
	})
	return srv
}

// useTLS writes a self-signed certificate and its key where MinIO looks
// for them, the certificate again as CAFile, and switches the server's
// own clients to HTTPS trusting it.
func (s *Server) useTLS() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "objfs test MinIO"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	certs := filepath.Join(s.root, "certs")
	if err := os.MkdirAll(certs, 0o700); err != nil {
		return err
	}
	s.CAFile = filepath.Join(s.root, "ca.pem")
	for path, data := range map[string][]byte{
		filepath.Join(certs, "public.crt"): certPEM, filepath.Join(certs, "private.key"): keyPEM, s.CAFile: certPEM,
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return err
		}
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	s.client = &http.Client{Transport: tr}
	s.Endpoint = "https://" + s.addr
	s.sdk = s3.New(s3.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		HTTPClient:   s.client,
	})
	s.env = append(s.env, "MINIO_KMS_SECRET_KEY="+TLSKMSKeyID+":"+base64.StdEncoding.EncodeToString([]byte(randomHex(16))))
	return nil
}
