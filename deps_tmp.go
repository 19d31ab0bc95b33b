package deps
import (
 _ "github.com/hanwen/go-fuse/v2/fs"
 _ "github.com/aws/aws-sdk-go-v2/aws"
 _ "github.com/aws/aws-sdk-go-v2/config"
 _ "github.com/aws/aws-sdk-go-v2/credentials"
 _ "github.com/aws/aws-sdk-go-v2/service/s3"
 _ "github.com/aws/smithy-go"
 _ "github.com/hashicorp/golang-lru/v2"
 _ "github.com/urfave/cli/v2"
 _ "gopkg.in/yaml.v3"
 _ "github.com/prometheus/client_golang/prometheus"
)
