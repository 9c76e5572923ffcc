/*
 * The MLPerf Tiny / EEMBC DUT serial protocol, performance mode: `%`-terminated commands in, CRLF
 * lines out, `m-ready` after every command. Commands arrive on UART0 and on RTT down channel 0;
 * every line goes out on UART0 and is mirrored to RTT up channel 0.
 */
#include "board.h"
#include "model.h"
#include "rtt.h"
#include "text.h"

#define CMD_MAX 80
#define DB_MAX 27648u

static uint8_t db[DB_MAX];
static uint32_t db_expected, db_loaded;
static int8_t results[JB_MODEL_OUTPUTS];
static int have_results;

/* Inference counter readable by a debugger (and by RTT up channel 1 as text). */
volatile uint32_t jb_inferences;

static void out(const char *s)
{
  uart_puts(s);
  rtt_puts(0, s);
}

static void line(const char *a, const char *b, const char *c)
{
  out(a);
  if (b) out(b);
  if (c) out(c);
  out("\r\n");
}

static void timestamp(void)
{
  char num[24];
  fmt_u64(num, timer_us());
  line("m-lap-us-", num, 0);
}

static void print_results(void)
{
  out("m-results-[");
  for (int i = 0; i < JB_MODEL_OUTPUTS; i++) {
    char num[16];
    fmt_q7(num, results[i]);
    if (i) out(",");
    out(num);
  }
  out("]\r\n");
}

static void run_once(void)
{
  int8_t o[JB_MODEL_OUTPUTS];
  model_infer(db, o);
  for (int i = 0; i < JB_MODEL_OUTPUTS; i++) results[i] = o[i];
  have_results = 1;
  jb_inferences++;
}

static void cmd_infer(char *n_text, char *w_text)
{
  uint32_t n = 1, w = 10;
  if ((n_text && !parse_u32(n_text, &n)) || (w_text && !parse_u32(w_text, &w)) || n == 0) {
    line("e-[infer expects: infer N W, N >= 1]", 0, 0);
    return;
  }
  char num[16];
  fmt_u64(num, w);
  line("m-warmup-start-", num, 0);
  for (uint32_t i = 0; i < w; i++) run_once();
  line("m-warmup-done", 0, 0);
  fmt_u64(num, n);
  line("m-infer-start-", num, 0);
  timestamp();
  for (uint32_t i = 0; i < n; i++) run_once();
  timestamp();
  line("m-infer-done", 0, 0);
  print_results();
  char log[48] = "inferences ";
  fmt_u64(log + 11, jb_inferences);
  rtt_puts(1, log);
  rtt_puts(1, "\n");
}

static void cmd_db(char *arg1, char *arg2)
{
  if (!arg1) {
    line("e-[db expects load N, print or hex bytes]", 0, 0);
    return;
  }
  if (arg1[0] == 'l' && arg1[1] == 'o' && arg1[2] == 'a' && arg1[3] == 'd' && arg1[4] == 0) {
    uint32_t n;
    if (!arg2 || !parse_u32(arg2, &n) || n == 0 || n > DB_MAX) {
      line("e-[db load expects 1..27648 bytes]", 0, 0);
      return;
    }
    db_expected = n;
    db_loaded = 0;
    char num[16];
    fmt_u64(num, n);
    line("m-[Expecting ", num, " bytes]");
    return;
  }
  if (arg1[0] == 'p' && arg1[1] == 'r' && arg1[2] == 'i' && arg1[3] == 'n' && arg1[4] == 't' && arg1[5] == 0) {
    for (uint32_t i = 0; i < db_loaded;) {
      out("m-buffer-");
      for (uint32_t j = 0; j < 16 && i < db_loaded; j++, i++) {
        static const char hex[] = "0123456789abcdef";
        char pair[4] = {hex[db[i] >> 4], hex[db[i] & 15], 0, 0};
        if (j) out("-");
        out(pair);
      }
      out("\r\n");
    }
    return;
  }
  if (db_expected == 0) {
    line("e-[db load N must come first]", 0, 0);
    return;
  }
  for (char *p = arg1; *p; p += 2) {
    int hi = hex_nibble(p[0]), lo = p[1] ? hex_nibble(p[1]) : -1;
    if (hi < 0 || lo < 0) {
      line("e-[db expects pairs of hex digits]", 0, 0);
      return;
    }
    if (db_loaded < db_expected) db[db_loaded++] = (uint8_t)(hi << 4 | lo);
  }
  if (db_loaded == db_expected) line("m-load-done", 0, 0);
}

static int is(const char *a, const char *b)
{
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

static void execute(char *cmd)
{
  char *argv[4] = {0, 0, 0, 0};
  int argc = 0;
  for (char *p = cmd; *p && argc < 4;) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    argv[argc++] = p;
    while (*p && *p != ' ') p++;
  }
  if (argc == 0) {
  } else if (is(argv[0], "name")) {
    line("m-name-dut-[joulebench-qemu-mps2]", 0, 0);
  } else if (is(argv[0], "profile")) {
    line("m-profile-[ULPMark for tinyML Firmware V0.0.1]", 0, 0);
    line("m-model-[jbconv01]", 0, 0);
  } else if (is(argv[0], "timestamp")) {
    timestamp();
  } else if (is(argv[0], "db")) {
    cmd_db(argv[1], argv[2]);
  } else if (is(argv[0], "infer")) {
    cmd_infer(argv[1], argv[2]);
  } else if (is(argv[0], "results")) {
    if (have_results) print_results();
    else line("e-[no results yet: run infer first]", 0, 0);
  } else {
    line("e-[Unknown command: ", argv[0], "]");
  }
  line("m-ready", 0, 0);
}

typedef struct {
  char text[CMD_MAX + 1];
  int len;
  int overflow;
} command_buffer_t;

static void feed(command_buffer_t *b, char c)
{
  if (c == '%') {
    b->text[b->len] = 0;
    if (b->overflow) {
      line("e-[command longer than 80 characters]", 0, 0);
      line("m-ready", 0, 0);
    } else {
      execute(b->text);
    }
    b->len = 0;
    b->overflow = 0;
  } else if (b->len < CMD_MAX) {
    b->text[b->len++] = c;
  } else {
    b->overflow = 1;
  }
}

void dut_run(void)
{
  static command_buffer_t from_uart, from_rtt;
  line("m-timestamp-mode-performance", 0, 0);
  line("m-init-done", 0, 0);
  line("m-ready", 0, 0);
  for (;;) {
    int c = uart_getc();
    if (c >= 0) feed(&from_uart, (char)c);
    char buf[16];
    uint32_t n = rtt_read(buf, sizeof buf);
    for (uint32_t i = 0; i < n; i++) feed(&from_rtt, buf[i]);
    (void)timer_us(); /* keeps the 64-bit timer extension current */
  }
}
