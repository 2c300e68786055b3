// Package config holds the configuration conventions shared by pump,
// drainer, reparo and arbiter (SPEC 4.1, "Configuration rules").
//
// Load applies the sources in this order, each overriding the previous:
//
//  1. the defaults already in the struct (DefaultConfig of each binary);
//  2. the TOML file named by -config, decoded strictly: a key the struct does
//     not know is an error naming the file and every unknown key;
//  3. the flags given on the command line (the flag set is bound to fields of
//     the same struct and parsed twice, before and after the file);
//  4. for each flag NOT given on the command line, the environment variable
//     <prefix><NAME> where NAME is the flag name upper-cased with '-' and '.'
//     turned into '_' (PUMP_PD_URLS for -pd-urls with prefix "PUMP_").
//
// The value types Duration ("3s", "1m30s") and ByteSize ("42 MB", "10 gib",
// 1024) decode from TOML and implement flag.Value.
package config
