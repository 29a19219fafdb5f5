// runtime.cpp -- the MT5 terminal emulator: account, symbols, positions, deals and history,
// a scriptable trade server, files, global variables, real TCP sockets with MQL5's
// semantics, and the event loop that drives one EA (loaded from a shared object so that an
// EA restart starts it with fresh globals, as MT5 does).
//
// It is controlled by JSON lines on stdin (one flat object per line, see README.md) and
// reports what happens as JSON lines on stdout.
#include "mql5_api.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <dlfcn.h>
#include <fcntl.h>
#include <functional>
#include <map>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <random>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef CT_EMU_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif

namespace ct_emu
  {
// ------------------------------------------------------------------------------ clock, output
static long long WallUs()
  {
   timespec ts;
   clock_gettime(CLOCK_REALTIME, &ts);
   return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
  }
static long long MonoUs()
  {
   timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
  }

static std::string Q(const std::string &s)
  {
   std::string out = "\"";
   for(unsigned char c : s)
     {
      if(c == '"' || c == '\\')
        {
         out.push_back('\\');
         out.push_back((char)c);
        }
      else if(c == '\n')
         out += "\\n";
      else if(c == '\r')
         out += "\\r";
      else if(c == '\t')
         out += "\\t";
      else if(c < 0x20 || c >= 0x7f)
        {
         char buf[8];
         std::snprintf(buf, sizeof buf, "\\u%04x", c);
         out += buf;
        }
      else
         out.push_back((char)c);
     }
   return out + "\"";
  }
static std::string N(double v)
  {
   char buf[64];
   std::snprintf(buf, sizeof buf, "%.10g", v);
   return buf;
  }
static std::string I(long long v) { return std::to_string(v); }

static void Emit(const std::string &ev, const std::string &fields)
  {
   std::string line = "{\"t\":" + I(WallUs()) + ",\"ev\":" + Q(ev) + (fields.empty() ? "" : "," + fields) + "}\n";
   fwrite(line.data(), 1, line.size(), stdout);
   fflush(stdout);
  }

// ------------------------------------------------------------------------------ flat JSON
struct Obj
  {
   std::map<std::string, std::string> v;
   bool Has(const std::string &k) const { return v.count(k) > 0; }
   std::string Str(const std::string &k, const std::string &def = "") const
     {
      auto it = v.find(k);
      return it == v.end() ? def : it->second;
     }
   double Num(const std::string &k, double def = 0) const
     {
      auto it = v.find(k);
      return it == v.end() ? def : std::strtod(it->second.c_str(), nullptr);
     }
   long long Int(const std::string &k, long long def = 0) const
     {
      auto it = v.find(k);
      return it == v.end() ? def : std::strtoll(it->second.c_str(), nullptr, 10);
     }
   bool Flag(const std::string &k, bool def = false) const
     {
      auto it = v.find(k);
      if(it == v.end())
         return def;
      return it->second == "true" || it->second == "1";
     }
  };

static bool ParseFlat(const std::string &line, Obj &out, std::string &err)
  {
   size_t i = 0, n = line.size();
   auto ws = [&]() { while(i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++; };
   auto str = [&](std::string &s) -> bool
     {
      if(i >= n || line[i] != '"')
         return false;
      i++;
      while(i < n && line[i] != '"')
        {
         if(line[i] == '\\' && i + 1 < n)
           {
            i++;
            char c = line[i];
            if(c == 'n') s.push_back('\n');
            else if(c == 't') s.push_back('\t');
            else if(c == 'r') s.push_back('\r');
            else if(c == 'u' && i + 4 < n)
              {
               s.push_back((char)std::strtol(line.substr(i + 1, 4).c_str(), nullptr, 16));
               i += 4;
              }
            else s.push_back(c);
           }
         else
            s.push_back(line[i]);
         i++;
        }
      if(i >= n)
         return false;
      i++;
      return true;
     };
   ws();
   if(i >= n || line[i] != '{')
     {
      err = "expected a JSON object";
      return false;
     }
   i++;
   ws();
   if(i < n && line[i] == '}')
      return true;
   while(i < n)
     {
      ws();
      std::string key, value;
      if(!str(key))
        {
         err = "expected a key";
         return false;
        }
      ws();
      if(i >= n || line[i] != ':')
        {
         err = "expected ':'";
         return false;
        }
      i++;
      ws();
      if(i < n && line[i] == '"')
        {
         if(!str(value))
           {
            err = "bad string";
            return false;
           }
        }
      else
        {
         size_t start = i;
         while(i < n && line[i] != ',' && line[i] != '}' && line[i] != ' ')
            i++;
         value = line.substr(start, i - start);
         if(value.empty() || value == "null" || value[0] == '[' || value[0] == '{')
           {
            err = "values must be strings, numbers or booleans";
            return false;
           }
        }
      out.v[key] = value;
      ws();
      if(i < n && line[i] == ',')
        {
         i++;
         continue;
        }
      if(i < n && line[i] == '}')
         return true;
      err = "expected ',' or '}'";
      return false;
     }
   err = "unterminated object";
   return false;
  }

// ------------------------------------------------------------------------------ the model
struct Sym
  {
   std::string name;
   int digits = 5;
   double point = 0.00001, tick_size = 0.00001, contract = 100000;
   double tick_value = -1;  // SYMBOL_TRADE_TICK_VALUE; < 0 = tick_size x contract (USD-quoted)
   double bid = 1.0, ask = 1.0;
   long long tick_msc = 0;
   bool has_tick = true;
   double vmin = 0.01, vmax = 100, vstep = 0.01;
   int filling = SYMBOL_FILLING_FOK | SYMBOL_FILLING_IOC; // advertised SYMBOL_FILLING_MODE
   int accept = -1;       // fillings the trade server really accepts (bit 1<<ORDER_FILLING_*), -1 = by the rules
   int exemode = SYMBOL_TRADE_EXECUTION_MARKET;
   int stops_level = 0;
   int trade_mode = SYMBOL_TRADE_MODE_FULL;
   bool selected = true;   // in Market Watch
   int select_tick_delay_ms = 0; // first tick arrives this long after SymbolSelect
   long long tick_due_us = 0;
  };

struct Pos
  {
   ulong ticket = 0;
   long identifier = 0;
   std::string symbol;
   int type = POSITION_TYPE_BUY;
   double volume = 0, price_open = 0, sl = 0, tp = 0;
   long long time_msc = 0, update_msc = 0;
   long magic = 0;
   std::string comment;
   int reason = POSITION_REASON_CLIENT;
  };

struct Deal
  {
   ulong ticket = 0, order = 0;
   long position_id = 0;
   std::string symbol;
   int type = DEAL_TYPE_BUY, entry = DEAL_ENTRY_IN, reason = DEAL_REASON_CLIENT;
   double volume = 0, price = 0, profit = 0, swap = 0, commission = 0, fee = 0, sl = 0, tp = 0;
   long magic = 0;
   std::string comment;
   long long time_msc = 0;
  };

// A pending order (buy/sell limit, stop, stop-limit) in the account's order list.
struct Ord
  {
   ulong ticket = 0;
   std::string symbol;
   int type = ORDER_TYPE_BUY_LIMIT;
   double volume = 0, price = 0, stoplimit = 0, sl = 0, tp = 0;
   int type_time = ORDER_TIME_GTC;
   long expiration = 0; // seconds, for ORDER_TIME_SPECIFIED
   long magic = 0;
   std::string comment;
   long long setup_msc = 0;
   int reason = DEAL_REASON_CLIENT;
  };

struct Account
  {
   long login = 0;
   int margin_mode = ACCOUNT_MARGIN_MODE_RETAIL_HEDGING;
   double balance = 10000, credit = 0;
   std::string currency = "USD", name = "Emulator", server = "Emulator-Demo", company = "CopyTradePro emulator";
   long leverage = 100;
   int so_mode = ACCOUNT_STOPOUT_MODE_PERCENT;
   double so_call = 100, so_so = 50;
   bool trade_allowed = true, trade_expert = true;
   std::vector<Pos> positions;
   std::vector<Deal> deals;
   std::vector<Ord> orders;
  };

struct Script
  {
   uint retcode;
  };

struct Event
  {
   int kind; // 0 transaction
   MqlTradeTransaction trans;
   MqlTradeRequest request;
   MqlTradeResult result;
  };

struct Sock
  {
   int fd = -1;
   bool closed = false;
#ifdef CT_EMU_TLS
   SSL *ssl = nullptr;
#endif
  };

struct FileH
  {
   FILE *f = nullptr;
   int flags = 0;
  };

struct Pending
  {
   long long at_us;
   std::function<void()> fn;
  };

typedef int (*InitFn)();
typedef void (*DeinitFn)(int);
typedef void (*VoidFn)();
typedef void (*TransFn)(const MqlTradeTransaction &, const MqlTradeRequest &, const MqlTradeResult &);
typedef int (*SetInputFn)(const char *, const char *);

struct Terminal
  {
   std::string dir;
   std::string ea_path;
   std::map<long, Account> accounts;
   long login = 0;
   std::vector<Sym> symbols;
   bool connected = true, algo = true, ea_trade = true, logged_in = true;
   bool phantom_readable = false, log_io = true, shuffle = false;
   int send_max = 0;
   int position_lag_ms = 0;
   int last_error = 0;
   std::string chart = "EURUSD";
   std::string allowed_hosts; // empty = all
   std::string tls_ca;
   ulong next_order = 0, next_deal = 0;
   std::deque<Script> script;
   int delay_ms = 0;
   std::vector<Pending> pending;
   std::deque<Event> events;
   bool tick_pending = false;
   long long timer_us = 0, next_timer_us = 0;
   bool has_pos = false;
   Pos pos_sel;
   bool has_ord = false;
   Ord ord_sel;
   std::vector<ulong> hist_sel;
   std::map<std::string, double> globals;
   std::map<int, Sock> socks;
   std::map<int, FileH> files;
   int next_handle = 1;
   std::mt19937 rng{12345};
   // the EA
   void *lib = nullptr;
   int loads = 0;
   InitFn on_init = nullptr;
   DeinitFn on_deinit = nullptr;
   VoidFn on_timer = nullptr, on_tick = nullptr;
   TransFn on_trans = nullptr;
   SetInputFn set_input = nullptr;
   std::vector<std::pair<std::string, std::string>> inputs;
   bool remove_requested = false;
   bool quit = false;
   std::string last_comment;
   Account &acc() { return accounts[login]; }
  };

static Terminal T;

static Sym *FindSym(const std::string &name)
  {
   for(auto &s : T.symbols)
      if(s.name == name)
         return &s;
   return nullptr;
  }

static double PosProfit(const Pos &p)
  {
   Sym *s = FindSym(p.symbol);
   if(s == nullptr)
      return 0;
   double diff = p.type == POSITION_TYPE_BUY ? s->bid - p.price_open : p.price_open - s->ask;
   return std::round(diff * p.volume * s->contract * 100.0) / 100.0;
  }
static double PosMargin(const Pos &p)
  {
   Sym *s = FindSym(p.symbol);
   if(s == nullptr)
      return 0;
   return p.volume * s->contract * p.price_open / (double)std::max(1L, T.acc().leverage);
  }
static double Equity()
  {
   double e = T.acc().balance + T.acc().credit;
   for(auto &p : T.acc().positions)
      e += PosProfit(p);
   return e;
  }
static double Margin()
  {
   double m = 0;
   for(auto &p : T.acc().positions)
      m += PosMargin(p);
   return m;
  }

static void ApplyDue()
  {
   long long now = WallUs();
   while(true)
     {
      int best = -1;
      for(size_t i = 0; i < T.pending.size(); i++)
         if(T.pending[i].at_us <= now && (best < 0 || T.pending[i].at_us < T.pending[(size_t)best].at_us))
            best = (int)i;
      if(best < 0)
         return;
      auto fn = T.pending[(size_t)best].fn;
      T.pending.erase(T.pending.begin() + best);
      fn();
     }
  }
static void ApplyAll()
  {
   while(!T.pending.empty())
     {
      auto fn = T.pending.front().fn;
      T.pending.erase(T.pending.begin());
      fn();
     }
  }
// Run a change to the position list now, or after the visibility lag.
static void Later(std::function<void()> fn)
  {
   if(T.position_lag_ms <= 0)
      fn();
   else
      T.pending.push_back(Pending{WallUs() + (long long)T.position_lag_ms * 1000, fn});
  }

static int FindPosIndex(ulong ticket)
  {
   auto &ps = T.acc().positions;
   for(size_t i = 0; i < ps.size(); i++)
      if(ps[i].ticket == ticket)
         return (int)i;
   return -1;
  }
static int FindPosById(long id)
  {
   auto &ps = T.acc().positions;
   for(size_t i = 0; i < ps.size(); i++)
      if(ps[i].identifier == id)
         return (int)i;
   return -1;
  }

static const char *EntryName(int e)
  {
   return e == DEAL_ENTRY_IN ? "IN" : e == DEAL_ENTRY_OUT ? "OUT" : e == DEAL_ENTRY_INOUT ? "INOUT" : "OUT_BY";
  }
static int ReasonOf(const std::string &r)
  {
   if(r == "SL") return DEAL_REASON_SL;
   if(r == "TP") return DEAL_REASON_TP;
   if(r == "SO") return DEAL_REASON_SO;
   if(r == "EXPERT") return DEAL_REASON_EXPERT;
   if(r == "MOBILE") return DEAL_REASON_MOBILE;
   if(r == "WEB") return DEAL_REASON_WEB;
   return DEAL_REASON_CLIENT;
  }

static void QueueTransaction(ENUM_TRADE_TRANSACTION_TYPE type, const Deal &d, ulong order, const MqlTradeRequest *req,
                             const MqlTradeResult *res)
  {
   Event e;
   e.kind = 0;
   e.trans = MqlTradeTransaction();
   e.request = MqlTradeRequest();
   e.result = MqlTradeResult();
   e.trans.type = type;
   e.trans.deal = type == TRADE_TRANSACTION_DEAL_ADD ? d.ticket : 0;
   e.trans.order = order;
   e.trans.symbol = string(d.symbol);
   e.trans.deal_type = (ENUM_DEAL_TYPE)d.type;
   e.trans.order_type = d.type == DEAL_TYPE_BUY ? ORDER_TYPE_BUY : ORDER_TYPE_SELL;
   e.trans.order_state = ORDER_STATE_FILLED;
   e.trans.price = d.price;
   e.trans.volume = d.volume;
   e.trans.position = (ulong)d.position_id;
   if(req != nullptr)
      e.request = *req;
   if(res != nullptr)
      e.result = *res;
   T.events.push_back(e);
  }

static void QueueDealEvents(const Deal &d, const MqlTradeRequest *req, const MqlTradeResult *res)
  {
   std::vector<ENUM_TRADE_TRANSACTION_TYPE> kinds = {TRADE_TRANSACTION_ORDER_ADD, TRADE_TRANSACTION_DEAL_ADD,
                                                     TRADE_TRANSACTION_ORDER_DELETE, TRADE_TRANSACTION_HISTORY_ADD};
   if(req != nullptr)
      kinds.push_back(TRADE_TRANSACTION_REQUEST);
   if(T.shuffle)
      std::shuffle(kinds.begin(), kinds.end(), T.rng);
   for(auto k : kinds)
      QueueTransaction(k, d, d.order, k == TRADE_TRANSACTION_REQUEST ? req : nullptr,
                       k == TRADE_TRANSACTION_REQUEST ? res : nullptr);
  }

static void EmitDeal(const Deal &d)
  {
   Emit("deal", "\"login\":" + I(T.login) + ",\"deal\":" + I((long long)d.ticket) + ",\"order\":" + I((long long)d.order) +
        ",\"position\":" + I(d.position_id) + ",\"symbol\":" + Q(d.symbol) + ",\"type\":" +
        Q(d.type == DEAL_TYPE_BUY ? "BUY" : d.type == DEAL_TYPE_SELL ? "SELL" : "BALANCE") + ",\"entry\":" +
        Q(EntryName(d.entry)) + ",\"volume\":" + N(d.volume) + ",\"price\":" + N(d.price) + ",\"profit\":" +
        N(d.profit) + ",\"reason\":" + I(d.reason) + ",\"magic\":" + I(d.magic) + ",\"comment\":" + Q(d.comment));
  }

static Deal MakeDeal(const Sym &s, int dealType, int entry, double volume, double price, long posId, ulong order, long magic,
                     const std::string &comment, int reason)
  {
   Deal d;
   d.ticket = ++T.next_deal;
   d.order = order;
   d.position_id = posId;
   d.symbol = s.name;
   d.type = dealType;
   d.entry = entry;
   d.volume = volume;
   d.price = price;
   d.magic = magic;
   d.comment = comment;
   d.reason = reason;
   d.time_msc = WallUs() / 1000;
   return d;
  }

static double CloseProfit(const Sym &s, int posType, double openPrice, double closePrice, double volume)
  {
   double diff = posType == POSITION_TYPE_BUY ? closePrice - openPrice : openPrice - closePrice;
   return std::round(diff * volume * s.contract * 100.0) / 100.0;
  }

static double Round8(double v) { return std::round(v * 1e8) / 1e8; }

// Execute a market deal. `position` = 0 opens (hedging) or nets (netting); otherwise it
// closes `volume` of that position. Returns the deal (ticket 0 if nothing was done).
static Deal ExecuteDeal(const std::string &symbol, int orderType, double volume, ulong position, long magic,
                        const std::string &comment, int reason, double sl, double tp, ulong fromOrder = 0)
  {
   ApplyAll();
   Sym *s = FindSym(symbol);
   Account &a = T.acc();
   ulong order = fromOrder != 0 ? fromOrder : ++T.next_order;
   bool buy = orderType == ORDER_TYPE_BUY;
   double price = buy ? s->ask : s->bid;
   int dealType = buy ? DEAL_TYPE_BUY : DEAL_TYPE_SELL;
   int idx = -1;
   if(position != 0)
      idx = FindPosIndex(position);
   else if(a.margin_mode != ACCOUNT_MARGIN_MODE_RETAIL_HEDGING)
      for(size_t i = 0; i < a.positions.size(); i++)
         if(a.positions[i].symbol == symbol)
            idx = (int)i;
   long long now = WallUs() / 1000;
   if(idx < 0)
     {
      Pos p;
      p.ticket = order;
      p.identifier = (long)order;
      p.symbol = symbol;
      p.type = buy ? POSITION_TYPE_BUY : POSITION_TYPE_SELL;
      p.volume = volume;
      p.price_open = price;
      p.sl = sl;
      p.tp = tp;
      p.time_msc = now;
      p.update_msc = now;
      p.magic = magic;
      p.comment = comment;
      p.reason = reason == DEAL_REASON_EXPERT ? POSITION_REASON_EXPERT : POSITION_REASON_CLIENT;
      Deal d = MakeDeal(*s, dealType, DEAL_ENTRY_IN, volume, price, p.identifier, order, magic, comment, reason);
      a.deals.push_back(d);
      long login = T.login;
      Later([p, login]() { T.accounts[login].positions.push_back(p); });
      return d;
     }
   Pos cur = a.positions[(size_t)idx];
   bool same = (cur.type == POSITION_TYPE_BUY) == buy;
   long login = T.login;
   ulong ticket = cur.ticket;
   if(same)
     {
      // netting: add volume, average price
      Deal d = MakeDeal(*s, dealType, DEAL_ENTRY_IN, volume, price, cur.identifier, order, magic, comment, reason);
      a.deals.push_back(d);
      double nv = Round8(cur.volume + volume);
      double np = (cur.price_open * cur.volume + price * volume) / nv;
      Later([login, ticket, nv, np, now]()
        {
         for(auto &p : T.accounts[login].positions)
            if(p.ticket == ticket)
              {
               p.volume = nv;
               p.price_open = np;
               p.update_msc = now;
              }
        });
      return d;
     }
   if(volume < cur.volume - 1e-9 || position != 0)
     {
      double v = std::min(volume, cur.volume);
      Deal d = MakeDeal(*s, dealType, DEAL_ENTRY_OUT, v, price, cur.identifier, order, magic, comment, reason);
      d.profit = CloseProfit(*s, cur.type, cur.price_open, price, v);
      a.deals.push_back(d);
      a.balance += d.profit;
      double left = Round8(cur.volume - v);
      Later([login, ticket, left, now]()
        {
         auto &ps = T.accounts[login].positions;
         for(size_t i = 0; i < ps.size(); i++)
            if(ps[i].ticket == ticket)
              {
               if(left <= 1e-9)
                  ps.erase(ps.begin() + (long)i);
               else
                 {
                  ps[i].volume = left;
                  ps[i].update_msc = now;
                 }
               break;
              }
        });
      return d;
     }
   // netting: equal volume closes, more reverses (DEAL_ENTRY_INOUT)
   bool reverse = volume > cur.volume + 1e-9;
   Deal d = MakeDeal(*s, dealType, reverse ? DEAL_ENTRY_INOUT : DEAL_ENTRY_OUT, volume, price, cur.identifier, order, magic,
                     comment, reason);
   d.profit = CloseProfit(*s, cur.type, cur.price_open, price, cur.volume);
   a.deals.push_back(d);
   a.balance += d.profit;
   double left = Round8(volume - cur.volume);
   int newType = buy ? POSITION_TYPE_BUY : POSITION_TYPE_SELL;
   Later([login, ticket, reverse, left, newType, price, now]()
     {
      auto &ps = T.accounts[login].positions;
      for(size_t i = 0; i < ps.size(); i++)
         if(ps[i].ticket == ticket)
           {
            if(!reverse)
               ps.erase(ps.begin() + (long)i);
            else
              {
               ps[i].volume = left;
               ps[i].type = newType;
               ps[i].price_open = price;
               ps[i].sl = 0;
               ps[i].tp = 0;
               ps[i].update_msc = now;
              }
            break;
           }
     });
   return d;
  }

// ------------------------------------------------------------------------------ errors
void ArrayOutOfRange(long index, long size)
  {
   Emit("fatal", "\"text\":" + Q("array out of range: index " + std::to_string(index) + ", size " + std::to_string(size)));
   std::_Exit(3);
  }

// ------------------------------------------------------------------------------ print/format
std::string Join(const std::vector<FmtArg> &args)
  {
   std::string out;
   for(auto &a : args)
     {
      if(a.kind == 3)
         out += a.s;
      else if(a.kind == 4)
         out += a.i ? "true" : "false";
      else if(a.kind == 0)
         out += std::to_string(a.i);
      else if(a.kind == 1)
         out += std::to_string(a.u);
      else
        {
         char buf[64];
         std::snprintf(buf, sizeof buf, "%.16g", a.d);
         out += buf;
        }
     }
   return out;
  }

std::string Format(const std::string &format, const std::vector<FmtArg> &args)
  {
   std::string out;
   size_t ai = 0;
   for(size_t i = 0; i < format.size(); i++)
     {
      char c = format[i];
      if(c != '%')
        {
         out.push_back(c);
         continue;
        }
      if(i + 1 < format.size() && format[i + 1] == '%')
        {
         out.push_back('%');
         i++;
         continue;
        }
      std::string spec = "%";
      size_t j = i + 1;
      while(j < format.size() && std::strchr("-+ #0123456789.", format[j]) != nullptr)
         spec.push_back(format[j++]);
      // length modifiers: h, l, ll, I32, I64
      while(j < format.size() && (format[j] == 'h' || format[j] == 'l' || format[j] == 'I' ||
                                  (format[j] >= '0' && format[j] <= '9')))
         j++;
      if(j >= format.size())
         break;
      char conv = format[j];
      i = j;
      FmtArg a = ai < args.size() ? args[ai++] : FmtArg{3, 0, 0, 0, ""};
      char buf[512];
      if(conv == 's')
        {
         std::string text = a.kind == 3 ? a.s : Join({a});
         std::snprintf(buf, sizeof buf, (spec + "s").c_str(), text.c_str());
        }
      else if(conv == 'd' || conv == 'i')
         std::snprintf(buf, sizeof buf, (spec + "lld").c_str(), a.kind == 1 ? (long long)a.u : a.kind == 2 ? (long long)a.d : a.i);
      else if(conv == 'u' || conv == 'x' || conv == 'X' || conv == 'o')
         std::snprintf(buf, sizeof buf, (spec + "ll" + conv).c_str(), a.kind == 1 ? a.u : (unsigned long long)a.i);
      else if(conv == 'c')
         std::snprintf(buf, sizeof buf, (spec + "c").c_str(), (int)a.i);
      else if(std::strchr("feEgGaA", conv) != nullptr)
         std::snprintf(buf, sizeof buf, (spec + conv).c_str(), a.kind == 2 ? a.d : a.kind == 1 ? (double)a.u : (double)a.i);
      else
         std::snprintf(buf, sizeof buf, "%s", "");
      out += buf;
     }
   return out;
  }

void EmitPrint(const std::string &text) { Emit("print", "\"text\":" + Q(text)); }
void EmitAlert(const std::string &text) { Emit("alert", "\"text\":" + Q(text)); }
void EmitComment(const std::string &text)
  {
   if(text == T.last_comment)
      return;
   T.last_comment = text;
   Emit("comment", "\"text\":" + Q(text));
  }

// ------------------------------------------------------------------------------ EA loading
static void EmitState();

static void CallDeinit(int reason)
  {
   if(T.lib == nullptr)
      return;
   if(T.on_deinit != nullptr)
      T.on_deinit(reason);
   Emit("deinit", "\"reason\":" + I(reason));
  }

static void CloseEaResources()
  {
   for(auto &kv : T.socks)
     {
      if(kv.second.fd >= 0)
         close(kv.second.fd);
     }
   T.socks.clear();
   for(auto &kv : T.files)
      if(kv.second.f != nullptr)
         fclose(kv.second.f);
   T.files.clear();
   T.timer_us = 0;
   T.events.clear();
   T.tick_pending = false;
  }

static void Unload()
  {
   if(T.lib == nullptr)
      return;
   dlclose(T.lib);
   T.lib = nullptr;
   CloseEaResources();
  }

static int CallInit()
  {
   int ret = T.on_init != nullptr ? T.on_init() : INIT_SUCCEEDED;
   Emit("init", "\"ret\":" + I(ret) + ",\"login\":" + I(T.login));
   if(ret != INIT_SUCCEEDED)
     {
      CallDeinit(REASON_INITFAILED);
      Unload();
     }
   return ret;
  }

static bool Load()
  {
   // A fresh copy of the shared object for every load: fresh globals, like a new EA instance.
   T.loads++;
   std::string copy = T.dir + "/.ea-" + std::to_string(getpid()) + "-" + std::to_string(T.loads) + ".so";
   FILE *in = std::fopen(T.ea_path.c_str(), "rb");
   FILE *out = std::fopen(copy.c_str(), "wb");
   if(in == nullptr || out == nullptr)
     {
      Emit("error", "\"text\":" + Q("cannot copy the EA library " + T.ea_path));
      if(in) fclose(in);
      if(out) fclose(out);
      return false;
     }
   char buf[65536];
   size_t n;
   while((n = fread(buf, 1, sizeof buf, in)) > 0)
      fwrite(buf, 1, n, out);
   fclose(in);
   fclose(out);
   T.lib = dlopen(copy.c_str(), RTLD_NOW | RTLD_LOCAL);
   unlink(copy.c_str());
   if(T.lib == nullptr)
     {
      Emit("error", "\"text\":" + Q(std::string("cannot load the EA: ") + dlerror()));
      return false;
     }
   T.on_init = (InitFn)dlsym(T.lib, "ct_emu_OnInit");
   T.on_deinit = (DeinitFn)dlsym(T.lib, "ct_emu_OnDeinit");
   T.on_timer = (VoidFn)dlsym(T.lib, "ct_emu_OnTimer");
   T.on_tick = (VoidFn)dlsym(T.lib, "ct_emu_OnTick");
   T.on_trans = (TransFn)dlsym(T.lib, "ct_emu_OnTradeTransaction");
   T.set_input = (SetInputFn)dlsym(T.lib, "ct_emu_SetInput");
   for(auto &kv : T.inputs)
      if(T.set_input == nullptr || !T.set_input(kv.first.c_str(), kv.second.c_str()))
         Emit("error", "\"text\":" + Q("unknown or invalid input " + kv.first + "=" + kv.second));
   T.remove_requested = false;
   return true;
  }

// ------------------------------------------------------------------------------ control
static void Ok(const Obj &o, const std::string &extra = "")
  {
   Emit("ok", "\"op\":" + Q(o.Str("op")) + ",\"id\":" + Q(o.Str("id")) + (extra.empty() ? "" : "," + extra));
  }
static void Fail(const Obj &o, const std::string &why)
  {
   Emit("error", "\"op\":" + Q(o.Str("op")) + ",\"id\":" + Q(o.Str("id")) + ",\"text\":" + Q(why));
  }

static int FillingFlags(const std::string &text)
  {
   int f = 0;
   if(text.find("FOK") != std::string::npos) f |= SYMBOL_FILLING_FOK;
   if(text.find("IOC") != std::string::npos) f |= SYMBOL_FILLING_IOC;
   if(text.find("BOC") != std::string::npos) f |= SYMBOL_FILLING_BOC;
   return f;
  }
static int AcceptFlags(const std::string &text)
  {
   int f = 0;
   if(text.find("FOK") != std::string::npos) f |= 1 << ORDER_FILLING_FOK;
   if(text.find("IOC") != std::string::npos) f |= 1 << ORDER_FILLING_IOC;
   if(text.find("RETURN") != std::string::npos) f |= 1 << ORDER_FILLING_RETURN;
   return f;
  }

static const char *OrdTypeName(int t)
  {
   static const char *names[] = {"BUY", "SELL", "BUY_LIMIT", "SELL_LIMIT", "BUY_STOP", "SELL_STOP", "BUY_STOP_LIMIT",
                                 "SELL_STOP_LIMIT", "CLOSE_BY"};
   return t >= 0 && t <= 8 ? names[t] : "?";
  }
static int OrdTypeOf(const std::string &name)
  {
   for(int t = ORDER_TYPE_BUY_LIMIT; t <= ORDER_TYPE_SELL_STOP_LIMIT; t++)
      if(name == OrdTypeName(t))
         return t;
   return -1;
  }
static bool OrdBuy(int t)
  {
   return t == ORDER_TYPE_BUY_LIMIT || t == ORDER_TYPE_BUY_STOP || t == ORDER_TYPE_BUY_STOP_LIMIT;
  }
static int FindOrdIndex(ulong ticket)
  {
   auto &os = T.acc().orders;
   for(size_t i = 0; i < os.size(); i++)
      if(os[i].ticket == ticket)
         return (int)i;
   return -1;
  }
// Where a new pending order's price must be against the market (as the trade server checks).
static bool OrdPriceValid(const Sym &s, int type, double price, double stoplimit)
  {
   if(price <= 0)
      return false;
   switch(type)
     {
      case ORDER_TYPE_BUY_LIMIT: return price < s.ask;
      case ORDER_TYPE_SELL_LIMIT: return price > s.bid;
      case ORDER_TYPE_BUY_STOP: return price > s.ask;
      case ORDER_TYPE_SELL_STOP: return price < s.bid;
      case ORDER_TYPE_BUY_STOP_LIMIT: return price > s.ask && stoplimit > 0 && stoplimit < price;
      case ORDER_TYPE_SELL_STOP_LIMIT: return price < s.bid && stoplimit > price;
      default: return false;
     }
  }
static void QueueOrderTransaction(ENUM_TRADE_TRANSACTION_TYPE type, const Ord &o, ENUM_ORDER_STATE state,
                                  const MqlTradeRequest *req, const MqlTradeResult *res)
  {
   Event e;
   e.kind = 0;
   e.trans = MqlTradeTransaction();
   e.request = MqlTradeRequest();
   e.result = MqlTradeResult();
   e.trans.type = type;
   e.trans.order = type == TRADE_TRANSACTION_REQUEST ? 0 : o.ticket;
   e.trans.symbol = string(o.symbol);
   e.trans.order_type = (ENUM_ORDER_TYPE)o.type;
   e.trans.order_state = state;
   e.trans.time_type = (ENUM_ORDER_TYPE_TIME)o.type_time;
   e.trans.time_expiration = o.expiration;
   e.trans.price = o.price;
   e.trans.price_trigger = o.stoplimit;
   e.trans.price_sl = o.sl;
   e.trans.price_tp = o.tp;
   e.trans.volume = o.volume;
   if(req != nullptr)
      e.request = *req;
   if(res != nullptr)
      e.result = *res;
   T.events.push_back(e);
  }
static void EmitOrder(const char *what, const Ord &o)
  {
   Emit("order", "\"login\":" + I(T.login) + ",\"what\":" + Q(what) + ",\"order\":" + I((long long)o.ticket) +
        ",\"symbol\":" + Q(o.symbol) + ",\"type\":" + Q(OrdTypeName(o.type)) + ",\"volume\":" + N(o.volume) +
        ",\"price\":" + N(o.price) + ",\"stoplimit\":" + N(o.stoplimit) + ",\"sl\":" + N(o.sl) + ",\"tp\":" +
        N(o.tp) + ",\"expiration\":" + I(o.expiration) + ",\"magic\":" + I(o.magic) + ",\"comment\":" + Q(o.comment));
  }
// Orders whose price the market crossed: a stop-limit becomes its limit order, a limit or stop
// fills at the market into a position whose ticket and identifier are the order's ticket.
// Orders past their ORDER_TIME_SPECIFIED expiration are deleted (ORDER_STATE_EXPIRED).
static void CheckOrders()
  {
   if(T.login == 0)
      return;
   auto &os = T.acc().orders;
   long now = (long)(WallUs() / 1000000);
   for(size_t i = 0; i < os.size();)
     {
      Ord o = os[i];
      if(o.type_time == ORDER_TIME_SPECIFIED && o.expiration > 0 && now >= o.expiration)
        {
         os.erase(os.begin() + (long)i);
         EmitOrder("expired", o);
         QueueOrderTransaction(TRADE_TRANSACTION_ORDER_DELETE, o, ORDER_STATE_EXPIRED, nullptr, nullptr);
         QueueOrderTransaction(TRADE_TRANSACTION_HISTORY_ADD, o, ORDER_STATE_EXPIRED, nullptr, nullptr);
         continue;
        }
      Sym *s = FindSym(o.symbol);
      if(s == nullptr || !s->has_tick)
        {
         i++;
         continue;
        }
      bool hit = false;
      switch(o.type)
        {
         case ORDER_TYPE_BUY_LIMIT: hit = s->ask <= o.price; break;
         case ORDER_TYPE_SELL_LIMIT: hit = s->bid >= o.price; break;
         case ORDER_TYPE_BUY_STOP: case ORDER_TYPE_BUY_STOP_LIMIT: hit = s->ask >= o.price; break;
         case ORDER_TYPE_SELL_STOP: case ORDER_TYPE_SELL_STOP_LIMIT: hit = s->bid <= o.price; break;
         default: break;
        }
      if(!hit)
        {
         i++;
         continue;
        }
      if(o.type == ORDER_TYPE_BUY_STOP_LIMIT || o.type == ORDER_TYPE_SELL_STOP_LIMIT)
        {
         Ord &cur = os[i];
         cur.type = cur.type == ORDER_TYPE_BUY_STOP_LIMIT ? ORDER_TYPE_BUY_LIMIT : ORDER_TYPE_SELL_LIMIT;
         cur.price = cur.stoplimit;
         cur.stoplimit = 0;
         EmitOrder("triggered", cur);
         QueueOrderTransaction(TRADE_TRANSACTION_ORDER_UPDATE, cur, ORDER_STATE_PLACED, nullptr, nullptr);
         continue; // the limit order is checked again at once
        }
      os.erase(os.begin() + (long)i);
      EmitOrder("filled", o);
      Deal d = ExecuteDeal(o.symbol, OrdBuy(o.type) ? ORDER_TYPE_BUY : ORDER_TYPE_SELL, o.volume, 0, o.magic, o.comment,
                           o.reason, o.sl, o.tp, o.ticket);
      EmitDeal(d);
      QueueTransaction(TRADE_TRANSACTION_DEAL_ADD, d, d.order, nullptr, nullptr);
      QueueOrderTransaction(TRADE_TRANSACTION_ORDER_DELETE, o, ORDER_STATE_FILLED, nullptr, nullptr);
      QueueOrderTransaction(TRADE_TRANSACTION_HISTORY_ADD, o, ORDER_STATE_FILLED, nullptr, nullptr);
     }
  }

// Place a pending order (the control op and OrderSend share it). Returns "" or the refusal.
static std::string PlaceOrder(Ord &o)
  {
   Sym *s = FindSym(o.symbol);
   if(s == nullptr)
      return "unknown symbol";
   if(o.type < ORDER_TYPE_BUY_LIMIT || o.type > ORDER_TYPE_SELL_STOP_LIMIT)
      return "invalid order type";
   if(!OrdPriceValid(*s, o.type, o.price, o.stoplimit))
      return "invalid price";
   if(o.type_time == ORDER_TIME_SPECIFIED && o.expiration <= (long)(WallUs() / 1000000))
      return "invalid expiration";
   o.ticket = ++T.next_order;
   o.setup_msc = WallUs() / 1000;
   T.acc().orders.push_back(o);
   EmitOrder("placed", o);
   return "";
  }

static void CheckStopOut()
  {
   Account &a = T.acc();
   while(!a.positions.empty())
     {
      double m = Margin();
      if(m <= 0)
         return;
      double level = Equity() / m * 100.0;
      bool hit = a.so_mode == ACCOUNT_STOPOUT_MODE_PERCENT ? level <= a.so_so : Equity() <= a.so_so;
      if(!hit)
         return;
      size_t worst = 0;
      for(size_t i = 1; i < a.positions.size(); i++)
         if(PosProfit(a.positions[i]) < PosProfit(a.positions[worst]))
            worst = i;
      Pos p = a.positions[worst];
      int lag = T.position_lag_ms;
      T.position_lag_ms = 0;
      Deal d = ExecuteDeal(p.symbol, p.type == POSITION_TYPE_BUY ? ORDER_TYPE_SELL : ORDER_TYPE_BUY, p.volume, p.ticket,
                           p.magic, "so: " + N(level) + "%", DEAL_REASON_SO, 0, 0);
      T.position_lag_ms = lag;
      EmitDeal(d);
      QueueDealEvents(d, nullptr, nullptr);
     }
  }

static Pos *PosFromControl(const Obj &o)
  {
   Account &a = T.acc();
   for(auto &p : a.positions)
      if((o.Has("position") && p.identifier == o.Int("position")) || (o.Has("ticket") && (long long)p.ticket == o.Int("ticket")))
         return &p;
   return nullptr;
  }

static void Control(const Obj &o)
  {
   std::string op = o.Str("op");
   ApplyDue();
   if(op == "account" || op == "switch_account")
     {
      bool sw = op == "switch_account" && T.lib != nullptr;
      if(sw)
         CallDeinit(REASON_ACCOUNT);
      long login = (long)o.Int("login", T.login);
      Account &a = T.accounts[login];
      a.login = login;
      T.login = login;
      if(o.Has("mode"))
         a.margin_mode = o.Str("mode") == "netting" ? ACCOUNT_MARGIN_MODE_RETAIL_NETTING : ACCOUNT_MARGIN_MODE_RETAIL_HEDGING;
      a.balance = o.Num("balance", a.balance);
      a.currency = o.Str("currency", a.currency);
      a.leverage = (long)o.Int("leverage", a.leverage);
      a.so_so = o.Num("so_so", a.so_so);
      a.so_call = o.Num("so_call", a.so_call);
      a.trade_allowed = o.Flag("trade_allowed", a.trade_allowed);
      a.trade_expert = o.Flag("trade_expert", a.trade_expert);
      a.name = o.Str("name", a.name);
      if(T.next_order == 0)
        {
         T.next_order = (ulong)(login % 1000) * 1000000UL + 100000UL;
         T.next_deal = (ulong)(login % 1000) * 1000000UL + 500000UL;
        }
      Ok(o);
      if(sw)
         CallInit();
      return;
     }
   if(op == "symbol")
     {
      std::string name = o.Str("name");
      if(name.empty())
         return Fail(o, "symbol needs a name");
      Sym *s = FindSym(name);
      if(s == nullptr)
        {
         T.symbols.push_back(Sym());
         s = &T.symbols.back();
         s->name = name;
        }
      s->digits = (int)o.Int("digits", s->digits);
      s->point = o.Num("point", std::pow(10.0, -s->digits));
      s->tick_size = o.Num("tick_size", s->point);
      s->contract = o.Num("contract", s->contract);
      s->tick_value = o.Num("tick_value", s->tick_value);
      s->bid = o.Num("bid", s->bid);
      s->ask = o.Num("ask", std::max(s->ask, s->bid));
      s->vmin = o.Num("vmin", s->vmin);
      s->vmax = o.Num("vmax", s->vmax);
      s->vstep = o.Num("vstep", s->vstep);
      if(o.Has("filling"))
         s->filling = FillingFlags(o.Str("filling"));
      if(o.Has("accept"))
         s->accept = AcceptFlags(o.Str("accept"));
      if(o.Has("exemode"))
        {
         std::string e = o.Str("exemode");
         s->exemode = e == "instant" ? SYMBOL_TRADE_EXECUTION_INSTANT : e == "request" ? SYMBOL_TRADE_EXECUTION_REQUEST
                      : e == "exchange" ? SYMBOL_TRADE_EXECUTION_EXCHANGE : SYMBOL_TRADE_EXECUTION_MARKET;
        }
      s->stops_level = (int)o.Int("stops_level", s->stops_level);
      if(o.Has("trade_mode"))
        {
         std::string m = o.Str("trade_mode");
         s->trade_mode = m == "closeonly" ? SYMBOL_TRADE_MODE_CLOSEONLY : m == "disabled" ? SYMBOL_TRADE_MODE_DISABLED
                         : SYMBOL_TRADE_MODE_FULL;
        }
      s->selected = o.Flag("selected", s->selected);
      s->has_tick = o.Flag("tick", s->has_tick);
      s->select_tick_delay_ms = (int)o.Int("select_tick_delay_ms", s->select_tick_delay_ms);
      s->tick_msc = WallUs() / 1000;
      return Ok(o);
     }
   if(op == "input")
     {
      T.inputs.push_back({o.Str("name"), o.Str("value")});
      return Ok(o);
     }
   if(op == "terminal")
     {
      T.connected = o.Flag("connected", T.connected);
      T.logged_in = o.Flag("logged_in", T.logged_in);
      T.algo = o.Flag("algo", T.algo);
      T.ea_trade = o.Flag("ea_trade", T.ea_trade);
      T.phantom_readable = o.Flag("phantom_readable", T.phantom_readable);
      T.log_io = o.Flag("log_io", T.log_io);
      T.shuffle = o.Flag("shuffle", T.shuffle);
      T.send_max = (int)o.Int("send_max", T.send_max);
      T.position_lag_ms = (int)o.Int("position_lag_ms", T.position_lag_ms);
      T.chart = o.Str("chart", T.chart);
      T.allowed_hosts = o.Str("allowed_hosts", T.allowed_hosts);
      T.tls_ca = o.Str("tls_ca", T.tls_ca);
      return Ok(o);
     }
   if(op == "attach")
     {
      if(T.lib != nullptr)
         return Fail(o, "an EA is already attached");
      if(!Load())
         return Fail(o, "cannot load the EA");
      Ok(o);
      CallInit();
      return;
     }
   if(op == "detach" || op == "restart")
     {
      if(T.lib != nullptr)
        {
         CallDeinit(REASON_REMOVE);
         Unload();
        }
      if(op == "restart")
        {
         if(!Load())
            return Fail(o, "cannot load the EA");
         Ok(o);
         CallInit();
         return;
        }
      return Ok(o);
     }
   if(op == "quit")
     {
      if(T.lib != nullptr)
        {
         CallDeinit(REASON_CLOSE);
         Unload();
        }
      Ok(o);
      T.quit = true;
      return;
     }
   if(op == "tick")
     {
      Sym *s = FindSym(o.Str("symbol", T.chart));
      if(s == nullptr)
         return Fail(o, "unknown symbol");
      s->bid = o.Num("bid", s->bid);
      s->ask = o.Num("ask", std::max(s->bid, s->ask));
      s->tick_msc = WallUs() / 1000;
      s->has_tick = true;
      if(s->name == T.chart)
         T.tick_pending = true;
      CheckStopOut();
      CheckOrders();
      return Ok(o);
     }
   if(op == "open")
     {
      Sym *s = FindSym(o.Str("symbol"));
      if(s == nullptr)
         return Fail(o, "unknown symbol");
      double volume = o.Num("volume", 0);
      if(volume <= 0)
         return Fail(o, "volume must be above 0");
      std::string side = o.Str("side", "BUY");
      Deal d = ExecuteDeal(s->name, side == "SELL" ? ORDER_TYPE_SELL : ORDER_TYPE_BUY, volume, 0, (long)o.Int("magic", 0),
                           o.Str("comment"), ReasonOf(o.Str("reason", "CLIENT")), o.Num("sl"), o.Num("tp"));
      EmitDeal(d);
      QueueDealEvents(d, nullptr, nullptr);
      return Ok(o, "\"position\":" + I(d.position_id) + ",\"deal\":" + I((long long)d.ticket));
     }
   if(op == "close")
     {
      ApplyAll();
      Pos *p = PosFromControl(o);
      if(p == nullptr)
         return Fail(o, "no such position");
      double volume = o.Num("volume", p->volume);
      Deal d = ExecuteDeal(p->symbol, p->type == POSITION_TYPE_BUY ? ORDER_TYPE_SELL : ORDER_TYPE_BUY, volume, p->ticket,
                           p->magic, o.Str("comment"), ReasonOf(o.Str("reason", "CLIENT")), 0, 0);
      EmitDeal(d);
      QueueDealEvents(d, nullptr, nullptr);
      return Ok(o, "\"deal\":" + I((long long)d.ticket));
     }
   if(op == "close_by")
     {
      ApplyAll();
      Account &a = T.acc();
      int ia = FindPosById((long)o.Int("position")), ib = FindPosById((long)o.Int("by"));
      if(ia < 0 || ib < 0 || a.margin_mode != ACCOUNT_MARGIN_MODE_RETAIL_HEDGING)
         return Fail(o, "close_by needs two positions on a hedging account");
      Pos pa = a.positions[(size_t)ia], pb = a.positions[(size_t)ib];
      Sym *s = FindSym(pa.symbol);
      if(pb.symbol != pa.symbol || pb.type == pa.type || s == nullptr)
         return Fail(o, "close_by needs opposite positions on one symbol");
      double v = std::min(pa.volume, pb.volume);
      ulong order = ++T.next_order;
      Deal da = MakeDeal(*s, pa.type == POSITION_TYPE_BUY ? DEAL_TYPE_SELL : DEAL_TYPE_BUY, DEAL_ENTRY_OUT_BY, v,
                         pb.price_open, pa.identifier, order, pa.magic, "", DEAL_REASON_CLIENT);
      da.profit = CloseProfit(*s, pa.type, pa.price_open, pb.price_open, v);
      Deal db = MakeDeal(*s, pb.type == POSITION_TYPE_BUY ? DEAL_TYPE_SELL : DEAL_TYPE_BUY, DEAL_ENTRY_OUT_BY, v,
                         pa.price_open, pb.identifier, order, pb.magic, "", DEAL_REASON_CLIENT);
      a.deals.push_back(da);
      a.deals.push_back(db);
      a.balance += da.profit;
      long login = T.login;
      ulong ta = pa.ticket, tb = pb.ticket;
      double la = Round8(pa.volume - v), lb = Round8(pb.volume - v);
      Later([login, ta, tb, la, lb]()
        {
         auto &ps = T.accounts[login].positions;
         for(size_t i = ps.size(); i-- > 0;)
           {
            double left = ps[i].ticket == ta ? la : ps[i].ticket == tb ? lb : -1;
            if(left < 0)
               continue;
            if(left <= 1e-9)
               ps.erase(ps.begin() + (long)i);
            else
               ps[i].volume = left;
           }
        });
      EmitDeal(da);
      EmitDeal(db);
      QueueDealEvents(da, nullptr, nullptr);
      QueueDealEvents(db, nullptr, nullptr);
      return Ok(o);
     }
   if(op == "modify")
     {
      ApplyAll();
      Pos *p = PosFromControl(o);
      if(p == nullptr)
         return Fail(o, "no such position");
      p->sl = o.Num("sl", p->sl);
      p->tp = o.Num("tp", p->tp);
      p->update_msc = WallUs() / 1000;
      Deal d;
      d.symbol = p->symbol;
      d.position_id = p->identifier;
      QueueTransaction(TRADE_TRANSACTION_POSITION, d, 0, nullptr, nullptr);
      return Ok(o);
     }
   if(op == "reticket")
     {
      ApplyAll();
      Pos *p = PosFromControl(o);
      if(p == nullptr)
         return Fail(o, "no such position");
      p->ticket = ++T.next_order;
      return Ok(o, "\"ticket\":" + I((long long)p->ticket));
     }
   if(op == "deposit")
     {
      Account &a = T.acc();
      double amount = o.Num("amount", 0);
      a.balance += amount;
      Deal d;
      d.ticket = ++T.next_deal;
      d.type = DEAL_TYPE_BALANCE;
      d.profit = amount;
      d.time_msc = WallUs() / 1000;
      a.deals.push_back(d);
      EmitDeal(d);
      QueueDealEvents(d, nullptr, nullptr);
      return Ok(o);
     }
   if(op == "stopout")
     {
      ApplyAll();
      Account &a = T.acc();
      int lag = T.position_lag_ms;
      T.position_lag_ms = 0;
      while(!a.positions.empty())
        {
         Pos p = a.positions.front();
         Deal d = ExecuteDeal(p.symbol, p.type == POSITION_TYPE_BUY ? ORDER_TYPE_SELL : ORDER_TYPE_BUY, p.volume, p.ticket,
                              p.magic, "so", DEAL_REASON_SO, 0, 0);
         EmitDeal(d);
         QueueDealEvents(d, nullptr, nullptr);
        }
      T.position_lag_ms = lag;
      return Ok(o);
     }
   if(op == "trade_script")
     {
      std::string codes = o.Str("retcodes");
      size_t start = 0;
      while(start < codes.size())
        {
         size_t comma = codes.find(',', start);
         std::string c = codes.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
         if(!c.empty())
            T.script.push_back(Script{(uint)std::strtoul(c.c_str(), nullptr, 10)});
         if(comma == std::string::npos)
            break;
         start = comma + 1;
        }
      if(o.Has("delay_ms"))
         T.delay_ms = (int)o.Int("delay_ms");
      return Ok(o);
     }
   if(op == "place")
     {
      Ord ord;
      ord.symbol = o.Str("symbol");
      ord.type = OrdTypeOf(o.Str("type"));
      ord.volume = o.Num("volume", 0);
      if(ord.volume <= 0)
         return Fail(o, "volume must be above 0");
      ord.price = o.Num("price");
      ord.stoplimit = o.Num("stoplimit");
      ord.sl = o.Num("sl");
      ord.tp = o.Num("tp");
      ord.expiration = (long)o.Int("expiration", 0);
      ord.type_time = ord.expiration > 0 ? ORDER_TIME_SPECIFIED : ORDER_TIME_GTC;
      ord.magic = (long)o.Int("magic", 0);
      ord.comment = o.Str("comment");
      std::string why = PlaceOrder(ord);
      if(!why.empty())
         return Fail(o, why);
      QueueOrderTransaction(TRADE_TRANSACTION_ORDER_ADD, ord, ORDER_STATE_PLACED, nullptr, nullptr);
      return Ok(o, "\"order\":" + I((long long)ord.ticket));
     }
   if(op == "order_modify")
     {
      int idx = FindOrdIndex((ulong)o.Int("order", 0));
      if(idx < 0)
         return Fail(o, "no such order");
      Ord &ord = T.acc().orders[(size_t)idx];
      Sym *s = FindSym(ord.symbol);
      double price = o.Num("price", ord.price), stoplimit = o.Num("stoplimit", ord.stoplimit);
      if(!OrdPriceValid(*s, ord.type, price, stoplimit))
         return Fail(o, "invalid price");
      ord.price = price;
      ord.stoplimit = stoplimit;
      ord.sl = o.Num("sl", ord.sl);
      ord.tp = o.Num("tp", ord.tp);
      if(o.Has("expiration"))
        {
         ord.expiration = (long)o.Int("expiration", 0);
         ord.type_time = ord.expiration > 0 ? ORDER_TIME_SPECIFIED : ORDER_TIME_GTC;
        }
      EmitOrder("modified", ord);
      QueueOrderTransaction(TRADE_TRANSACTION_ORDER_UPDATE, ord, ORDER_STATE_PLACED, nullptr, nullptr);
      return Ok(o);
     }
   if(op == "order_cancel")
     {
      int idx = FindOrdIndex((ulong)o.Int("order", 0));
      if(idx < 0)
         return Fail(o, "no such order");
      Ord ord = T.acc().orders[(size_t)idx];
      T.acc().orders.erase(T.acc().orders.begin() + idx);
      EmitOrder("canceled", ord);
      QueueOrderTransaction(TRADE_TRANSACTION_ORDER_DELETE, ord, ORDER_STATE_CANCELED, nullptr, nullptr);
      QueueOrderTransaction(TRADE_TRANSACTION_HISTORY_ADD, ord, ORDER_STATE_CANCELED, nullptr, nullptr);
      return Ok(o);
     }
   if(op == "dump")
     {
      Ok(o);
      EmitState();
      return;
     }
   Fail(o, "unknown op " + op);
  }

static void EmitState()
  {
   ApplyDue();
   Account &a = T.acc();
   std::string ps = "[";
   for(size_t i = 0; i < a.positions.size(); i++)
     {
      const Pos &p = a.positions[i];
      ps += std::string(i ? "," : "") + "{\"ticket\":" + I((long long)p.ticket) + ",\"id\":" + I(p.identifier) + ",\"symbol\":" +
            Q(p.symbol) + ",\"side\":" + Q(p.type == POSITION_TYPE_BUY ? "BUY" : "SELL") + ",\"volume\":" + N(p.volume) +
            ",\"price\":" + N(p.price_open) + ",\"sl\":" + N(p.sl) + ",\"tp\":" + N(p.tp) + ",\"magic\":" + I(p.magic) +
            ",\"comment\":" + Q(p.comment) + "}";
     }
   ps += "]";
   std::string os = "[";
   for(size_t i = 0; i < a.orders.size(); i++)
     {
      const Ord &r = a.orders[i];
      os += std::string(i ? "," : "") + "{\"ticket\":" + I((long long)r.ticket) + ",\"symbol\":" + Q(r.symbol) +
            ",\"type\":" + Q(OrdTypeName(r.type)) + ",\"volume\":" + N(r.volume) + ",\"price\":" + N(r.price) +
            ",\"stoplimit\":" + N(r.stoplimit) + ",\"sl\":" + N(r.sl) + ",\"tp\":" + N(r.tp) + ",\"expiration\":" +
            I(r.expiration) + ",\"magic\":" + I(r.magic) + ",\"comment\":" + Q(r.comment) + "}";
     }
   os += "]";
   Emit("state", "\"login\":" + I(T.login) + ",\"balance\":" + N(a.balance) + ",\"equity\":" + N(Equity()) +
        ",\"deals\":" + I((long long)a.deals.size()) + ",\"ea\":" + (T.lib != nullptr ? "true" : "false") +
        ",\"positions\":" + ps + ",\"orders\":" + os);
  }

// ------------------------------------------------------------------------------ event loop
static std::string g_stdin;

static void ReadControl()
  {
   char buf[65536];
   while(true)
     {
      ssize_t n = read(0, buf, sizeof buf);
      if(n > 0)
        {
         g_stdin.append(buf, (size_t)n);
         continue;
        }
      if(n == 0)
        {
         // stdin closed: the driver is gone; stop as a terminal would on close.
         Obj q;
         q.v["op"] = "quit";
         Control(q);
        }
      break;
     }
   size_t nl;
   while(!T.quit && (nl = g_stdin.find('\n')) != std::string::npos)
     {
      std::string line = g_stdin.substr(0, nl);
      g_stdin.erase(0, nl + 1);
      if(line.find_first_not_of(" \t\r") == std::string::npos)
         continue;
      Obj o;
      std::string err;
      if(!ParseFlat(line, o, err))
        {
         Emit("error", "\"text\":" + Q("bad control line: " + err));
         continue;
        }
      Control(o);
     }
  }

static void AfterHandler()
  {
   ApplyDue();
   if(T.remove_requested && T.lib != nullptr)
     {
      CallDeinit(REASON_REMOVE);
      Unload();
     }
  }

static void Dispatch()
  {
   // One event at a time, as MT5 does; the control channel is read between events.
   CheckOrders();
   if(T.lib == nullptr)
      return;
   if(!T.events.empty())
     {
      Event e = T.events.front();
      T.events.pop_front();
      if(T.on_trans != nullptr)
         T.on_trans(e.trans, e.request, e.result);
      AfterHandler();
      return;
     }
   if(T.tick_pending)
     {
      T.tick_pending = false;
      if(T.on_tick != nullptr)
         T.on_tick();
      AfterHandler();
      return;
     }
   long long now = MonoUs();
   if(T.timer_us > 0 && now >= T.next_timer_us)
     {
      T.next_timer_us = std::max(T.next_timer_us + T.timer_us, now + 1000);
      if(T.on_timer != nullptr)
         T.on_timer();
      AfterHandler();
     }
  }

static int Run(int argc, char **argv)
  {
   for(int i = 1; i + 1 < argc; i += 2)
     {
      std::string k = argv[i];
      if(k == "--dir")
         T.dir = argv[i + 1];
      else if(k == "--ea")
         T.ea_path = argv[i + 1];
     }
   if(T.dir.empty() || T.ea_path.empty())
     {
      std::fprintf(stderr, "usage: %s --dir TERMINAL_DIR --ea EA.so\n", argv[0]);
      return 2;
     }
   std::signal(SIGPIPE, SIG_IGN);
   mkdir(T.dir.c_str(), 0755);
   mkdir((T.dir + "/MQL5").c_str(), 0755);
   mkdir((T.dir + "/MQL5/Files").c_str(), 0755);
   mkdir((T.dir + "/Common").c_str(), 0755);
   mkdir((T.dir + "/Common/Files").c_str(), 0755);
   // global variables of the terminal
   FILE *g = std::fopen((T.dir + "/globals.txt").c_str(), "r");
   if(g != nullptr)
     {
      char name[512];
      double value;
      while(std::fscanf(g, "%511s %lf", name, &value) == 2)
         T.globals[name] = value;
      fclose(g);
     }
   fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
   Account &a = T.accounts[0];
   (void)a;
   Emit("hello", "\"pid\":" + I(getpid()));
   while(!T.quit)
     {
      ReadControl();
      if(T.quit)
         break;
      ApplyDue();
      Dispatch();
      if(T.quit)
         break;
      // wait for the next control line, timer or pending change
      long long wait_us = 50000;
      if(T.lib != nullptr && (!T.events.empty() || T.tick_pending))
         wait_us = 0;
      else if(T.lib != nullptr && T.timer_us > 0)
         wait_us = std::min(wait_us, std::max(0LL, T.next_timer_us - MonoUs()));
      long long now = WallUs();
      for(auto &p : T.pending)
         wait_us = std::min(wait_us, std::max(0LL, p.at_us - now));
      pollfd pfd{0, POLLIN, 0};
      poll(&pfd, 1, (int)((wait_us + 999) / 1000));
     }
   for(auto &kv : T.socks)
      if(kv.second.fd >= 0)
         close(kv.second.fd);
   return 0;
  }

// ------------------------------------------------------------------------------ helpers for the API
static void SetError(int e) { T.last_error = e; }
static std::string FilePath(const std::string &name, bool common)
  {
   return T.dir + (common ? "/Common/Files/" : "/MQL5/Files/") + name;
  }
static void SaveGlobals()
  {
   std::string tmp = T.dir + "/globals.txt.tmp";
   FILE *g = std::fopen(tmp.c_str(), "w");
   if(g == nullptr)
      return;
   for(auto &kv : T.globals)
      std::fprintf(g, "%s %.17g\n", kv.first.c_str(), kv.second);
   fclose(g);
   rename(tmp.c_str(), (T.dir + "/globals.txt").c_str());
  }
static Sock *GetSock(int h)
  {
   auto it = T.socks.find(h);
   if(it == T.socks.end() || it->second.fd < 0)
     {
      SetError(ERR_NETSOCKET_INVALIDHANDLE);
      return nullptr;
     }
   return &it->second;
  }
static void LogIo(const char *ev, int h, const char *data, int n)
  {
   if(T.log_io && n > 0)
      Emit(ev, "\"socket\":" + I(h) + ",\"data\":" + Q(std::string(data, (size_t)n)));
  }
static bool SymbolReady(Sym *s)
  {
   if(s->tick_due_us > 0 && WallUs() >= s->tick_due_us)
     {
      s->has_tick = true;
      s->tick_due_us = 0;
      s->tick_msc = WallUs() / 1000;
     }
   return s->has_tick;
  }
  } // namespace ct_emu

using namespace ct_emu;

// =============================================================================== MQL5 API
double AccountInfoDouble(ENUM_ACCOUNT_INFO_DOUBLE property_id)
  {
   ApplyDue();
   Account &a = T.acc();
   double m = Margin(), e = Equity();
   switch(property_id)
     {
      case ACCOUNT_BALANCE: return a.balance;
      case ACCOUNT_CREDIT: return a.credit;
      case ACCOUNT_PROFIT: return e - a.balance - a.credit;
      case ACCOUNT_EQUITY: return e;
      case ACCOUNT_MARGIN: return m;
      case ACCOUNT_MARGIN_FREE: return e - m;
      case ACCOUNT_MARGIN_LEVEL: return m > 0 ? e / m * 100.0 : 0;
      case ACCOUNT_MARGIN_SO_CALL: return a.so_call;
      case ACCOUNT_MARGIN_SO_SO: return a.so_so;
      default: return 0;
     }
  }
long AccountInfoInteger(ENUM_ACCOUNT_INFO_INTEGER property_id)
  {
   Account &a = T.acc();
   switch(property_id)
     {
      case ACCOUNT_LOGIN: return T.logged_in ? a.login : 0;
      case ACCOUNT_TRADE_MODE: return ACCOUNT_TRADE_MODE_DEMO;
      case ACCOUNT_LEVERAGE: return a.leverage;
      case ACCOUNT_LIMIT_ORDERS: return 200;
      case ACCOUNT_MARGIN_SO_MODE: return a.so_mode;
      case ACCOUNT_TRADE_ALLOWED: return a.trade_allowed;
      case ACCOUNT_TRADE_EXPERT: return a.trade_expert;
      case ACCOUNT_MARGIN_MODE: return a.margin_mode;
      case ACCOUNT_CURRENCY_DIGITS: return 2;
      case ACCOUNT_HEDGE_ALLOWED: return a.margin_mode == ACCOUNT_MARGIN_MODE_RETAIL_HEDGING;
      default: return 0;
     }
  }
string AccountInfoString(ENUM_ACCOUNT_INFO_STRING property_id)
  {
   Account &a = T.acc();
   switch(property_id)
     {
      case ACCOUNT_NAME: return string(a.name);
      case ACCOUNT_SERVER: return string(a.server);
      case ACCOUNT_CURRENCY: return string(a.currency);
      case ACCOUNT_COMPANY: return string(a.company);
     }
   return string();
  }

string CharArrayToString(const CArray<uchar> &array, int start, int count, uint codepage)
  {
   (void)codepage;
   std::string s;
   long n = (long)array.v.size();
   long end = count < 0 ? n : std::min(n, (long)start + count);
   for(long i = start; i < end && array.v[(size_t)i] != 0; i++)
      s.push_back((char)array.v[(size_t)i]);
   return string(s);
  }
string CharToString(uchar char_code) { return string(std::string(1, (char)char_code)); }
string DoubleToString(double value, int digits)
  {
   if(digits < 0 || digits > 16)
      digits = 8;
   char buf[512];
   std::snprintf(buf, sizeof buf, "%.*f", digits, value);
   return string(buf);
  }
void EventKillTimer() { T.timer_us = 0; }
bool EventSetMillisecondTimer(int milliseconds)
  {
   if(milliseconds <= 0)
     {
      SetError(ERR_INVALID_PARAMETER);
      return false;
     }
   // Like MT5 on Windows: the timer cannot beat the system timer resolution (about 10 ms).
   T.timer_us = (long long)std::max(10, milliseconds) * 1000;
   T.next_timer_us = MonoUs() + T.timer_us;
   Emit("timer", "\"ms\":" + I(milliseconds));
   return true;
  }
bool EventSetTimer(int seconds) { return EventSetMillisecondTimer(seconds * 1000); }
void ExpertRemove() { T.remove_requested = true; }

void FileClose(int file_handle)
  {
   auto it = T.files.find(file_handle);
   if(it == T.files.end())
      return;
   if(it->second.f != nullptr)
      fclose(it->second.f);
   T.files.erase(it);
  }
bool FileDelete(const string file_name, int common_flag)
  {
   bool ok = std::remove(FilePath(file_name.s, common_flag & FILE_COMMON).c_str()) == 0;
   if(!ok)
      SetError(ERR_FILE_NOT_EXIST);
   return ok;
  }
void FileFlush(int file_handle)
  {
   auto it = T.files.find(file_handle);
   if(it != T.files.end() && it->second.f != nullptr)
      fflush(it->second.f);
  }
bool FileIsEnding(int file_handle)
  {
   auto it = T.files.find(file_handle);
   if(it == T.files.end() || it->second.f == nullptr)
      return true;
   int c = fgetc(it->second.f);
   if(c == EOF)
      return true;
   ungetc(c, it->second.f);
   return false;
  }
bool FileIsExist(const string file_name, int common_flag)
  {
   struct stat st;
   bool ok = stat(FilePath(file_name.s, common_flag & FILE_COMMON).c_str(), &st) == 0 && S_ISREG(st.st_mode);
   if(!ok)
      SetError(ERR_FILE_NOT_EXIST);
   return ok;
  }
bool FileMove(const string src_file_name, int common_flag, const string dst_file_name, int mode_flags)
  {
   std::string src = FilePath(src_file_name.s, common_flag & FILE_COMMON);
   std::string dst = FilePath(dst_file_name.s, mode_flags & FILE_COMMON);
   struct stat st;
   if(!(mode_flags & FILE_REWRITE) && stat(dst.c_str(), &st) == 0)
     {
      SetError(ERR_CANNOT_OPEN_FILE);
      return false;
     }
   return rename(src.c_str(), dst.c_str()) == 0;
  }
int FileOpen(string file_name, int open_flags, short delimiter, uint codepage)
  {
   (void)delimiter;
   (void)codepage;
   if(file_name.s.find("..") != std::string::npos || file_name.s.empty())
     {
      SetError(ERR_CANNOT_OPEN_FILE);
      return INVALID_HANDLE;
     }
   std::string path = FilePath(file_name.s, open_flags & FILE_COMMON);
   const char *mode = (open_flags & FILE_WRITE) ? ((open_flags & FILE_READ) ? "a+b" : "wb") : "rb";
   FILE *f = std::fopen(path.c_str(), mode);
   if(f == nullptr)
     {
      SetError(ERR_CANNOT_OPEN_FILE);
      return INVALID_HANDLE;
     }
   int h = T.next_handle++;
   T.files[h] = FileH{f, open_flags};
   return h;
  }
string FileReadString(int file_handle, int length)
  {
   auto it = T.files.find(file_handle);
   std::string s;
   if(it == T.files.end() || it->second.f == nullptr)
      return string();
   FILE *f = it->second.f;
   if(length > 0 && (it->second.flags & FILE_BIN))
     {
      for(int i = 0; i < length; i++)
        {
         int c = fgetc(f);
         if(c == EOF)
            break;
         s.push_back((char)c);
        }
      return string(s);
     }
   int c;
   while((c = fgetc(f)) != EOF && c != '\n')
      s.push_back((char)c);
   if(!s.empty() && s.back() == '\r')
      s.pop_back();
   return string(s);
  }
uint FileWriteString(int file_handle, const string text_string, int length)
  {
   auto it = T.files.find(file_handle);
   if(it == T.files.end() || it->second.f == nullptr)
      return 0;
   size_t n = length < 0 ? text_string.s.size() : std::min(text_string.s.size(), (size_t)length);
   return (uint)fwrite(text_string.s.data(), 1, n, it->second.f);
  }

int GetLastError() { return T.last_error; }
ulong GetMicrosecondCount() { return (ulong)MonoUs(); }
uint GetTickCount() { return (uint)(MonoUs() / 1000); }

bool GlobalVariableCheck(string name) { return T.globals.count(name.s) > 0; }
bool GlobalVariableDel(string name)
  {
   bool had = T.globals.erase(name.s) > 0;
   SaveGlobals();
   return had;
  }
double GlobalVariableGet(string name)
  {
   auto it = T.globals.find(name.s);
   return it == T.globals.end() ? 0 : it->second;
  }
datetime GlobalVariableSet(string name, double value)
  {
   if(name.s.empty() || name.s.size() > 63 || name.s.find(' ') != std::string::npos)
      return 0;
   T.globals[name.s] = value;
   SaveGlobals();
   return (datetime)(WallUs() / 1000000);
  }

static const Deal *SelectedDeal(ulong ticket)
  {
   for(ulong t : T.hist_sel)
      if(t == ticket)
         for(auto &d : T.acc().deals)
            if(d.ticket == ticket)
               return &d;
   SetError(ERR_TRADE_DEAL_NOT_FOUND);
   return nullptr;
  }
double HistoryDealGetDouble(ulong ticket_number, ENUM_DEAL_PROPERTY_DOUBLE property_id)
  {
   const Deal *d = SelectedDeal(ticket_number);
   if(d == nullptr)
      return 0;
   switch(property_id)
     {
      case DEAL_VOLUME: return d->volume;
      case DEAL_PRICE: return d->price;
      case DEAL_COMMISSION: return d->commission;
      case DEAL_SWAP: return d->swap;
      case DEAL_PROFIT: return d->profit;
      case DEAL_FEE: return d->fee;
      case DEAL_SL: return d->sl;
      case DEAL_TP: return d->tp;
     }
   return 0;
  }
long HistoryDealGetInteger(ulong ticket_number, ENUM_DEAL_PROPERTY_INTEGER property_id)
  {
   const Deal *d = SelectedDeal(ticket_number);
   if(d == nullptr)
      return 0;
   switch(property_id)
     {
      case DEAL_TICKET: return (long)d->ticket;
      case DEAL_ORDER: return (long)d->order;
      case DEAL_TIME: return d->time_msc / 1000;
      case DEAL_TIME_MSC: return d->time_msc;
      case DEAL_TYPE: return d->type;
      case DEAL_ENTRY: return d->entry;
      case DEAL_MAGIC: return d->magic;
      case DEAL_REASON: return d->reason;
      case DEAL_POSITION_ID: return d->position_id;
     }
   return 0;
  }
string HistoryDealGetString(ulong ticket_number, ENUM_DEAL_PROPERTY_STRING property_id)
  {
   const Deal *d = SelectedDeal(ticket_number);
   if(d == nullptr)
      return string();
   if(property_id == DEAL_SYMBOL)
      return string(d->symbol);
   if(property_id == DEAL_COMMENT)
      return string(d->comment);
   return string();
  }
ulong HistoryDealGetTicket(int index)
  {
   if(index < 0 || index >= (int)T.hist_sel.size())
     {
      SetError(ERR_TRADE_DEAL_NOT_FOUND);
      return 0;
     }
   return T.hist_sel[(size_t)index];
  }
bool HistoryDealSelect(ulong ticket)
  {
   // Like MT5: the selection becomes this one deal.
   T.hist_sel.clear();
   for(auto &d : T.acc().deals)
      if(d.ticket == ticket)
        {
         T.hist_sel.push_back(ticket);
         return true;
        }
   SetError(ERR_TRADE_DEAL_NOT_FOUND);
   return false;
  }
int HistoryDealsTotal() { return (int)T.hist_sel.size(); }
bool HistorySelect(datetime from_date, datetime to_date)
  {
   T.hist_sel.clear();
   for(auto &d : T.acc().deals)
     {
      long sec = d.time_msc / 1000;
      if(sec >= from_date && sec <= to_date)
         T.hist_sel.push_back(d.ticket);
     }
   return true;
  }
bool HistorySelectByPosition(ulong position_id)
  {
   T.hist_sel.clear();
   for(auto &d : T.acc().deals)
      if(d.position_id == (long)position_id && d.type != DEAL_TYPE_BALANCE)
         T.hist_sel.push_back(d.ticket);
   return true;
  }

string IntegerToString(long number, int str_len, ushort fill_symbol)
  {
   std::string s = std::to_string(number);
   while((int)s.size() < str_len)
      s.insert(s.begin(), (char)fill_symbol);
   return string(s);
  }
int MQLInfoInteger(int property_id)
  {
   if(property_id == MQL_TRADE_ALLOWED)
      return T.ea_trade;
   if(property_id == MQL_PROGRAM_TYPE)
      return 2;
   return 0;
  }
double MathAbs(double value) { return std::fabs(value); }
double MathCeil(double val) { return std::ceil(val); }
double MathFloor(double val) { return std::floor(val); }
bool MathIsValidNumber(double number) { return std::isfinite(number); }
double MathMax(double value1, double value2) { return value1 > value2 ? value1 : value2; }
double MathMin(double value1, double value2) { return value1 < value2 ? value1 : value2; }
double MathPow(double base, double exponent) { return std::pow(base, exponent); }
static unsigned g_rand = 1;
int MathRand()
  {
   g_rand = g_rand * 214013u + 2531011u;
   return (int)((g_rand >> 16) & 0x7fff);
  }
double MathRound(double value) { return std::round(value); }
void MathSrand(int seed) { g_rand = (unsigned)seed; }
double NormalizeDouble(double value, int digits)
  {
   double f = std::pow(10.0, digits);
   return std::round(value * f) / f;
  }

// ------------------------------------------------------------------------------ OrderSend
static void SendResult(const MqlTradeRequest &request, const MqlTradeResult &result)
  {
   Emit("order_send", "\"login\":" + I(T.login) + ",\"action\":" + I(request.action) + ",\"symbol\":" + Q(request.symbol.s) +
        ",\"type\":" + I(request.type) + ",\"volume\":" + N(request.volume) + ",\"position\":" +
        I((long long)request.position) + ",\"filling\":" + I(request.type_filling) + ",\"sl\":" + N(request.sl) +
        ",\"tp\":" + N(request.tp) + ",\"magic\":" + I((long long)request.magic) + ",\"comment\":" +
        Q(request.comment.s) + ",\"retcode\":" + I(result.retcode) + ",\"deal\":" + I((long long)result.deal) +
        ",\"order\":" + I((long long)result.order));
  }

static bool FillingAccepted(const Sym &s, ENUM_ORDER_TYPE_FILLING f)
  {
   if(s.accept >= 0)
      return (s.accept & (1 << f)) != 0;
   if(f == ORDER_FILLING_FOK)
      return (s.filling & SYMBOL_FILLING_FOK) != 0 || s.exemode == SYMBOL_TRADE_EXECUTION_INSTANT ||
             s.exemode == SYMBOL_TRADE_EXECUTION_REQUEST;
   if(f == ORDER_FILLING_IOC)
      return (s.filling & SYMBOL_FILLING_IOC) != 0;
   if(f == ORDER_FILLING_RETURN)
      return s.exemode == SYMBOL_TRADE_EXECUTION_EXCHANGE;
   return false;
  }

static bool VolumeValid(const Sym &s, double v)
  {
   if(v < s.vmin - 1e-9 || v > s.vmax + 1e-9)
      return false;
   double steps = v / s.vstep;
   return std::fabs(steps - std::round(steps)) < 1e-7;
  }

bool OrderSend(MqlTradeRequest &request, MqlTradeResult &result)
  {
   ApplyDue();
   result = MqlTradeResult();
   static uint request_id = 0;
   result.request_id = ++request_id;
   auto done = [&](uint code, const char *comment) -> bool
     {
      result.retcode = code;
      result.comment = string(comment);
      SendResult(request, result);
      return code == 10009 || code == 10008 || code == 10010;
     };
   if(T.delay_ms > 0)
      usleep((useconds_t)T.delay_ms * 1000);
   if(!T.connected || !T.logged_in)
      return done(10031, "No connection");
   if(!T.algo)
      return done(10027, "AutoTrading disabled by client");
   Sym *s = FindSym(request.symbol.s);
   if(request.action == TRADE_ACTION_SLTP)
     {
      ApplyAll();
      int idx = FindPosIndex(request.position);
      if(idx < 0)
         return done(10036, "Position doesn't exist");
      Pos &p = T.acc().positions[(size_t)idx];
      Sym *ps = FindSym(p.symbol);
      double minDist = ps->stops_level * ps->point;
      double ref = p.type == POSITION_TYPE_BUY ? ps->bid : ps->ask;
      bool buy = p.type == POSITION_TYPE_BUY;
      if((request.sl > 0 && (buy ? ref - request.sl : request.sl - ref) < minDist) ||
         (request.tp > 0 && (buy ? request.tp - ref : ref - request.tp) < minDist))
         return done(10016, "Invalid stops");
      if(!T.script.empty())
        {
         uint code = T.script.front().retcode;
         T.script.pop_front();
         if(code != 10009)
            return done(code, "scripted");
        }
      p.sl = request.sl;
      p.tp = request.tp;
      p.update_msc = WallUs() / 1000;
      Deal d;
      d.symbol = p.symbol;
      d.position_id = p.identifier;
      QueueTransaction(TRADE_TRANSACTION_POSITION, d, 0, nullptr, nullptr);
      return done(10009, "Request executed");
     }
   if(request.action == TRADE_ACTION_PENDING || request.action == TRADE_ACTION_MODIFY ||
      request.action == TRADE_ACTION_REMOVE)
     {
      if(!T.script.empty())
        {
         uint code = T.script.front().retcode;
         T.script.pop_front();
         if(code != 10009)
            return done(code, "scripted");
        }
      if(request.action == TRADE_ACTION_PENDING)
        {
         if(s == nullptr)
            return done(10013, "Invalid request (unknown symbol)");
         if(!SymbolReady(s))
            return done(10021, "No quotes");
         if(!VolumeValid(*s, request.volume))
            return done(10014, "Invalid volume");
         if(request.type < ORDER_TYPE_BUY_LIMIT || request.type > ORDER_TYPE_SELL_STOP_LIMIT)
            return done(10035, "Invalid order type");
         if(s->trade_mode == SYMBOL_TRADE_MODE_DISABLED || s->trade_mode == SYMBOL_TRADE_MODE_CLOSEONLY)
            return done(10017, "Trade disabled");
         Ord ord;
         ord.symbol = s->name;
         ord.type = request.type;
         ord.volume = request.volume;
         ord.price = request.price;
         ord.stoplimit = request.stoplimit;
         ord.sl = request.sl;
         ord.tp = request.tp;
         ord.type_time = request.type_time == ORDER_TIME_SPECIFIED ? ORDER_TIME_SPECIFIED : ORDER_TIME_GTC;
         ord.expiration = ord.type_time == ORDER_TIME_SPECIFIED ? (long)request.expiration : 0;
         ord.magic = (long)request.magic;
         ord.comment = request.comment.s;
         ord.reason = DEAL_REASON_EXPERT;
         std::string why = PlaceOrder(ord);
         if(why == "invalid price")
            return done(10015, "Invalid price");
         if(why == "invalid expiration")
            return done(10022, "Invalid expiration");
         if(!why.empty())
            return done(10013, "Invalid request");
         result.order = ord.ticket;
         result.volume = ord.volume;
         result.price = ord.price;
         result.retcode = 10009;
         result.comment = string("Request executed");
         SendResult(request, result);
         QueueOrderTransaction(TRADE_TRANSACTION_ORDER_ADD, ord, ORDER_STATE_PLACED, nullptr, nullptr);
         QueueOrderTransaction(TRADE_TRANSACTION_REQUEST, ord, ORDER_STATE_PLACED, &request, &result);
         return true;
        }
      int idx = FindOrdIndex(request.order);
      if(idx < 0)
         return done(10013, "Invalid request (order doesn't exist)");
      Ord &cur = T.acc().orders[(size_t)idx];
      if(request.action == TRADE_ACTION_MODIFY)
        {
         Sym *os = FindSym(cur.symbol);
         if(!OrdPriceValid(*os, cur.type, request.price, request.stoplimit > 0 ? request.stoplimit : cur.stoplimit))
            return done(10015, "Invalid price");
         if(request.type_time == ORDER_TIME_SPECIFIED && request.expiration <= (datetime)(WallUs() / 1000000))
            return done(10022, "Invalid expiration");
         cur.price = request.price;
         if(request.stoplimit > 0)
            cur.stoplimit = request.stoplimit;
         cur.sl = request.sl;
         cur.tp = request.tp;
         cur.type_time = request.type_time == ORDER_TIME_SPECIFIED ? ORDER_TIME_SPECIFIED : ORDER_TIME_GTC;
         cur.expiration = cur.type_time == ORDER_TIME_SPECIFIED ? (long)request.expiration : 0;
         Ord copy = cur;
         EmitOrder("modified", copy);
         result.order = copy.ticket;
         result.retcode = 10009;
         result.comment = string("Request executed");
         SendResult(request, result);
         QueueOrderTransaction(TRADE_TRANSACTION_ORDER_UPDATE, copy, ORDER_STATE_PLACED, nullptr, nullptr);
         QueueOrderTransaction(TRADE_TRANSACTION_REQUEST, copy, ORDER_STATE_PLACED, &request, &result);
         return true;
        }
      Ord gone = cur;
      T.acc().orders.erase(T.acc().orders.begin() + idx);
      EmitOrder("canceled", gone);
      result.order = gone.ticket;
      result.retcode = 10009;
      result.comment = string("Request executed");
      SendResult(request, result);
      QueueOrderTransaction(TRADE_TRANSACTION_ORDER_DELETE, gone, ORDER_STATE_CANCELED, nullptr, nullptr);
      QueueOrderTransaction(TRADE_TRANSACTION_HISTORY_ADD, gone, ORDER_STATE_CANCELED, nullptr, nullptr);
      QueueOrderTransaction(TRADE_TRANSACTION_REQUEST, gone, ORDER_STATE_CANCELED, &request, &result);
      return true;
     }
   if(request.action != TRADE_ACTION_DEAL)
      return done(10013, "Invalid request");
   if(s == nullptr)
      return done(10013, "Invalid request (unknown symbol)");
   if(!SymbolReady(s))
      return done(10021, "No quotes");
   if(!VolumeValid(*s, request.volume))
      return done(10014, "Invalid volume");
   if(request.type != ORDER_TYPE_BUY && request.type != ORDER_TYPE_SELL)
      return done(10035, "Invalid order type");
   bool closing = request.position != 0;
   if(closing)
     {
      ApplyAll();
      int idx = FindPosIndex(request.position);
      if(idx < 0)
         return done(10036, "Position doesn't exist");
      Pos &p = T.acc().positions[(size_t)idx];
      if(request.volume > p.volume + 1e-9)
         return done(10038, "Close volume exceeds the position volume");
      if((p.type == POSITION_TYPE_BUY) == (request.type == ORDER_TYPE_BUY))
         return done(10013, "Invalid request (position side)");
     }
   if(s->trade_mode == SYMBOL_TRADE_MODE_DISABLED)
      return done(10017, "Trade disabled");
   if(s->trade_mode == SYMBOL_TRADE_MODE_CLOSEONLY && !closing)
      return done(10044, "Only closing is allowed");
   if(!FillingAccepted(*s, request.type_filling))
      return done(10030, "Unsupported filling mode");
   bool buy = request.type == ORDER_TYPE_BUY;
   if(!closing)
     {
      double ref = buy ? s->bid : s->ask;
      double minDist = s->stops_level * s->point;
      if((request.sl > 0 && (buy ? ref - request.sl : request.sl - ref) < minDist) ||
         (request.tp > 0 && (buy ? request.tp - ref : ref - request.tp) < minDist))
         return done(10016, "Invalid stops");
     }
   bool timeout = false;
   if(!T.script.empty())
     {
      uint code = T.script.front().retcode;
      T.script.pop_front();
      if(code == 10012)
         timeout = true; // executed, but the answer timed out
      else if(code != 10009)
        {
         if(code == 10004)
           {
            result.bid = s->bid;
            result.ask = s->ask;
           }
         return done(code, code == 10004 ? "Requote" : code == 10018 ? "Market closed" : code == 10006 ? "Request rejected"
                     : "scripted");
        }
     }
   Deal d = ExecuteDeal(s->name, request.type, request.volume, request.position, (long)request.magic, request.comment.s,
                        DEAL_REASON_EXPERT, request.sl, request.tp);
   result.bid = s->bid;
   result.ask = s->ask;
   if(timeout)
     {
      result.retcode = 10012;
      result.comment = string("Request timed out");
      SendResult(request, result);
      EmitDeal(d);
      QueueDealEvents(d, nullptr, nullptr);
      return false;
     }
   result.deal = d.ticket;
   result.order = d.order;
   result.volume = d.volume;
   result.price = d.price;
   result.retcode = 10009;
   result.comment = string("Request executed");
   SendResult(request, result);
   EmitDeal(d);
   QueueDealEvents(d, &request, &result);
   return true;
  }

// ------------------------------------------------------------------------------ orders
int OrdersTotal()
  {
   ApplyDue();
   return (int)T.acc().orders.size();
  }
ulong OrderGetTicket(int index)
  {
   ApplyDue();
   auto &os = T.acc().orders;
   if(index < 0 || index >= (int)os.size())
     {
      T.has_ord = false;
      T.last_error = ERR_TRADE_ORDER_NOT_FOUND;
      return 0;
     }
   T.ord_sel = os[(size_t)index];
   T.has_ord = true;
   return T.ord_sel.ticket;
  }
bool OrderSelect(ulong ticket)
  {
   ApplyDue();
   int idx = FindOrdIndex(ticket);
   if(idx < 0)
     {
      T.has_ord = false;
      T.last_error = ERR_TRADE_ORDER_NOT_FOUND;
      return false;
     }
   T.ord_sel = T.acc().orders[(size_t)idx];
   T.has_ord = true;
   return true;
  }
double OrderGetDouble(ENUM_ORDER_PROPERTY_DOUBLE property_id)
  {
   if(!T.has_ord)
     {
      T.last_error = ERR_TRADE_ORDER_NOT_FOUND;
      return 0;
     }
   const Ord &o = T.ord_sel;
   Sym *s = FindSym(o.symbol);
   switch(property_id)
     {
      case ORDER_VOLUME_INITIAL: case ORDER_VOLUME_CURRENT: return o.volume;
      case ORDER_PRICE_OPEN: return o.price;
      case ORDER_SL: return o.sl;
      case ORDER_TP: return o.tp;
      case ORDER_PRICE_CURRENT: return s == nullptr ? 0 : OrdBuy(o.type) ? s->ask : s->bid;
      case ORDER_PRICE_STOPLIMIT: return o.stoplimit;
     }
   return 0;
  }
long OrderGetInteger(ENUM_ORDER_PROPERTY_INTEGER property_id)
  {
   if(!T.has_ord)
     {
      T.last_error = ERR_TRADE_ORDER_NOT_FOUND;
      return 0;
     }
   const Ord &o = T.ord_sel;
   switch(property_id)
     {
      case ORDER_TICKET: return (long)o.ticket;
      case ORDER_TIME_SETUP: return (long)(o.setup_msc / 1000);
      case ORDER_TYPE: return o.type;
      case ORDER_STATE: return ORDER_STATE_PLACED;
      case ORDER_TIME_EXPIRATION: return o.expiration;
      case ORDER_TIME_SETUP_MSC: return (long)o.setup_msc;
      case ORDER_TYPE_FILLING: return ORDER_FILLING_RETURN;
      case ORDER_TYPE_TIME: return o.type_time;
      case ORDER_MAGIC: return o.magic;
      case ORDER_REASON: return o.reason == DEAL_REASON_EXPERT ? 3 : 0;
      default: return 0;
     }
  }
string OrderGetString(ENUM_ORDER_PROPERTY_STRING property_id)
  {
   if(!T.has_ord)
     {
      T.last_error = ERR_TRADE_ORDER_NOT_FOUND;
      return string("");
     }
   if(property_id == ORDER_SYMBOL)
      return string(T.ord_sel.symbol);
   if(property_id == ORDER_COMMENT)
      return string(T.ord_sel.comment);
   return string("");
  }

// ------------------------------------------------------------------------------ positions
static void Select(const Pos &p)
  {
   T.pos_sel = p;
   T.has_pos = true;
  }
double PositionGetDouble(ENUM_POSITION_PROPERTY_DOUBLE property_id)
  {
   if(!T.has_pos)
     {
      SetError(ERR_TRADE_POSITION_NOT_FOUND);
      return 0;
     }
   const Pos &p = T.pos_sel;
   switch(property_id)
     {
      case POSITION_VOLUME: return p.volume;
      case POSITION_PRICE_OPEN: return p.price_open;
      case POSITION_SL: return p.sl;
      case POSITION_TP: return p.tp;
      case POSITION_PRICE_CURRENT:
        {
         Sym *s = FindSym(p.symbol);
         return s == nullptr ? 0 : p.type == POSITION_TYPE_BUY ? s->bid : s->ask;
        }
      case POSITION_SWAP: return 0;
      case POSITION_PROFIT: return PosProfit(p);
     }
   return 0;
  }
long PositionGetInteger(ENUM_POSITION_PROPERTY_INTEGER property_id)
  {
   if(!T.has_pos)
     {
      SetError(ERR_TRADE_POSITION_NOT_FOUND);
      return 0;
     }
   const Pos &p = T.pos_sel;
   switch(property_id)
     {
      case POSITION_TICKET: return (long)p.ticket;
      case POSITION_TIME: return p.time_msc / 1000;
      case POSITION_TIME_MSC: return p.time_msc;
      case POSITION_TIME_UPDATE: return p.update_msc / 1000;
      case POSITION_TIME_UPDATE_MSC: return p.update_msc;
      case POSITION_TYPE: return p.type;
      case POSITION_MAGIC: return p.magic;
      case POSITION_IDENTIFIER: return p.identifier;
      case POSITION_REASON: return p.reason;
     }
   return 0;
  }
string PositionGetString(ENUM_POSITION_PROPERTY_STRING property_id)
  {
   if(!T.has_pos)
     {
      SetError(ERR_TRADE_POSITION_NOT_FOUND);
      return string();
     }
   if(property_id == POSITION_SYMBOL)
      return string(T.pos_sel.symbol);
   if(property_id == POSITION_COMMENT)
      return string(T.pos_sel.comment);
   return string();
  }
ulong PositionGetTicket(int index)
  {
   ApplyDue();
   auto &ps = T.acc().positions;
   if(index < 0 || index >= (int)ps.size())
     {
      T.has_pos = false;
      SetError(ERR_TRADE_POSITION_NOT_FOUND);
      return 0;
     }
   Select(ps[(size_t)index]);
   return ps[(size_t)index].ticket;
  }
bool PositionSelect(string symbol)
  {
   ApplyDue();
   for(auto &p : T.acc().positions)
      if(p.symbol == symbol.s)
        {
         Select(p);
         return true;
        }
   T.has_pos = false;
   SetError(ERR_TRADE_POSITION_NOT_FOUND);
   return false;
  }
bool PositionSelectByTicket(ulong ticket)
  {
   ApplyDue();
   for(auto &p : T.acc().positions)
      if(p.ticket == ticket)
        {
         Select(p);
         return true;
        }
   T.has_pos = false;
   SetError(ERR_TRADE_POSITION_NOT_FOUND);
   return false;
  }
int PositionsTotal()
  {
   ApplyDue();
   return (int)T.acc().positions.size();
  }

void ResetLastError() { T.last_error = 0; }
string ShortToString(ushort symbol_code) { return string(std::string(1, (char)symbol_code)); }
void Sleep(int milliseconds)
  {
   if(milliseconds > 0)
      usleep((useconds_t)milliseconds * 1000);
   ApplyDue();
  }

// ------------------------------------------------------------------------------ sockets
bool SocketClose(const int socket)
  {
   auto it = T.socks.find(socket);
   if(it == T.socks.end())
     {
      SetError(ERR_NETSOCKET_INVALIDHANDLE);
      return false;
     }
#ifdef CT_EMU_TLS
   if(it->second.ssl != nullptr)
      SSL_free(it->second.ssl);
#endif
   if(it->second.fd >= 0)
      close(it->second.fd);
   T.socks.erase(it);
   Emit("net", "\"socket\":" + I(socket) + ",\"what\":\"close\"");
   return true;
  }
bool SocketConnect(int socket, const string server, uint port, uint timeout_receive_ms)
  {
   Sock *k = GetSock(socket);
   if(k == nullptr)
      return false;
   if(!T.allowed_hosts.empty() && ("," + T.allowed_hosts + ",").find("," + server.s + ",") == std::string::npos)
     {
      SetError(ERR_FUNCTION_NOT_ALLOWED);
      return false;
     }
   addrinfo hints{}, *res = nullptr;
   hints.ai_family = AF_INET;
   hints.ai_socktype = SOCK_STREAM;
   if(getaddrinfo(server.s.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || res == nullptr)
     {
      SetError(ERR_NETSOCKET_CANNOT_CONNECT);
      return false;
     }
   fcntl(k->fd, F_SETFL, fcntl(k->fd, F_GETFL) | O_NONBLOCK);
   int rc = connect(k->fd, res->ai_addr, res->ai_addrlen);
   freeaddrinfo(res);
   if(rc != 0 && errno == EINPROGRESS)
     {
      pollfd pfd{k->fd, POLLOUT, 0};
      rc = poll(&pfd, 1, (int)timeout_receive_ms) == 1 ? 0 : -1;
      int err = 0;
      socklen_t len = sizeof err;
      if(rc == 0 && (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0))
         rc = -1;
     }
   fcntl(k->fd, F_SETFL, fcntl(k->fd, F_GETFL) & ~O_NONBLOCK);
   if(rc != 0)
     {
      SetError(ERR_NETSOCKET_CANNOT_CONNECT);
      return false;
     }
   int one = 1;
   setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
   Emit("net", "\"socket\":" + I(socket) + ",\"what\":\"connect\",\"host\":" + Q(server.s) + ",\"port\":" + I(port));
   return true;
  }
int SocketCreate(uint flags)
  {
   (void)flags;
   if(T.socks.size() >= 128)
     {
      SetError(ERR_NETSOCKET_TOO_MANY_OPENED);
      return INVALID_HANDLE;
     }
   int fd = ::socket(AF_INET, SOCK_STREAM, 0);
   if(fd < 0)
     {
      SetError(ERR_NETSOCKET_TOO_MANY_OPENED);
      return INVALID_HANDLE;
     }
   int h = T.next_handle++;
   Sock k;
   k.fd = fd;
   T.socks[h] = k;
   return h;
  }
bool SocketIsConnected(const int socket)
  {
   Sock *k = GetSock(socket);
   if(k == nullptr)
      return false;
   if(k->closed)
      return false;
   char c;
   ssize_t n = recv(k->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
   if(n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
     {
      k->closed = true;
      return false;
     }
   return true;
  }
uint SocketIsReadable(const int socket)
  {
   Sock *k = GetSock(socket);
   if(k == nullptr)
      return 0;
   int avail = 0;
   if(ioctl(k->fd, FIONREAD, &avail) != 0)
      avail = 0;
#ifdef CT_EMU_TLS
   if(k->ssl != nullptr)
      avail += SSL_pending(k->ssl);
#endif
   // MQL5 reference: the count is approximate; 1 may be reported with nothing buffered.
   if(avail == 0 && T.phantom_readable)
      return 1;
   return (uint)avail;
  }
static int ReadInto(Sock *k, int h, CArray<uchar> &buffer, uint maxlen, int timeout_ms)
  {
   pollfd pfd{k->fd, POLLIN, 0};
   if(poll(&pfd, 1, timeout_ms) <= 0)
     {
      SetError(ERR_NETSOCKET_IO_ERROR);
      return -1;
     }
   std::vector<uchar> tmp(maxlen > 0 ? maxlen : 1);
   ssize_t n = recv(k->fd, tmp.data(), tmp.size(), MSG_DONTWAIT);
   if(n <= 0)
     {
      if(n == 0)
         k->closed = true;
      SetError(ERR_NETSOCKET_IO_ERROR);
      return -1;
     }
   buffer.v.assign(tmp.begin(), tmp.begin() + n);
   LogIo("recv", h, (const char *)tmp.data(), (int)n);
   return (int)n;
  }
int SocketRead(int socket, CArray<uchar> &buffer, uint buffer_maxlen, uint timeout_ms)
  {
   Sock *k = GetSock(socket);
   if(k == nullptr)
      return -1;
#ifdef CT_EMU_TLS
   if(k->ssl != nullptr)
     {
      SetError(ERR_NETSOCKET_IO_ERROR);
      return -1;
     }
#endif
   return ReadInto(k, socket, buffer, buffer_maxlen, (int)timeout_ms);
  }
int SocketSend(int socket, const CArray<uchar> &buffer, uint buffer_len)
  {
   Sock *k = GetSock(socket);
   if(k == nullptr)
      return -1;
   uint len = std::min(buffer_len, (uint)buffer.v.size());
   if(T.send_max > 0 && len > (uint)T.send_max)
      len = (uint)T.send_max; // MQL5: fewer bytes than asked may be sent
   ssize_t n = send(k->fd, buffer.v.data(), len, MSG_NOSIGNAL);
   if(n < 0)
     {
      SetError(ERR_NETSOCKET_IO_ERROR);
      return -1;
     }
   LogIo("send", socket, (const char *)buffer.v.data(), (int)n);
   return (int)n;
  }

#ifdef CT_EMU_TLS
static SSL_CTX *g_ctx = nullptr;
bool SocketTlsHandshake(int socket, const string host)
  {
   Sock *k = GetSock(socket);
   if(k == nullptr)
      return false;
   if(g_ctx == nullptr)
     {
      g_ctx = SSL_CTX_new(TLS_client_method());
      SSL_CTX_set_verify(g_ctx, SSL_VERIFY_PEER, nullptr);
      if(!T.tls_ca.empty())
         SSL_CTX_load_verify_locations(g_ctx, T.tls_ca.c_str(), nullptr);
      else
         SSL_CTX_set_default_verify_paths(g_ctx);
     }
   k->ssl = SSL_new(g_ctx);
   SSL_set_fd(k->ssl, k->fd);
   SSL_set_tlsext_host_name(k->ssl, host.s.c_str());
   SSL_set1_host(k->ssl, host.s.c_str());
   if(SSL_connect(k->ssl) != 1)
     {
      SSL_free(k->ssl);
      k->ssl = nullptr;
      SetError(ERR_NETSOCKET_HANDSHAKE_FAILED);
      return false;
     }
   Emit("net", "\"socket\":" + I(socket) + ",\"what\":\"tls\"");
   return true;
  }
static int TlsRead(Sock *k, int h, CArray<uchar> &buffer, uint maxlen, bool block)
  {
   if(k->ssl == nullptr)
     {
      SetError(ERR_NETSOCKET_IO_ERROR);
      return -1;
     }
   if(!block && SSL_pending(k->ssl) == 0)
     {
      pollfd pfd{k->fd, POLLIN, 0};
      if(poll(&pfd, 1, 0) <= 0)
        {
         buffer.v.clear();
         return 0;
        }
     }
   std::vector<uchar> tmp(maxlen > 0 ? maxlen : 1);
   int n = SSL_read(k->ssl, tmp.data(), (int)tmp.size());
   if(n <= 0)
     {
      int e = SSL_get_error(k->ssl, n);
      if(e == SSL_ERROR_WANT_READ && !block)
        {
         buffer.v.clear();
         return 0;
        }
      k->closed = true;
      SetError(ERR_NETSOCKET_IO_ERROR);
      return -1;
     }
   buffer.v.assign(tmp.begin(), tmp.begin() + n);
   LogIo("recv", h, (const char *)tmp.data(), n);
   return n;
  }
int SocketTlsRead(int socket, CArray<uchar> &buffer, uint buffer_maxlen)
  {
   Sock *k = GetSock(socket);
   return k == nullptr ? -1 : TlsRead(k, socket, buffer, buffer_maxlen, true);
  }
int SocketTlsReadAvailable(int socket, CArray<uchar> &buffer, const uint buffer_maxlen)
  {
   Sock *k = GetSock(socket);
   return k == nullptr ? -1 : TlsRead(k, socket, buffer, buffer_maxlen, false);
  }
int SocketTlsSend(int socket, const CArray<uchar> &buffer, uint buffer_len)
  {
   Sock *k = GetSock(socket);
   if(k == nullptr || k->ssl == nullptr)
     {
      SetError(ERR_NETSOCKET_IO_ERROR);
      return -1;
     }
   uint len = std::min(buffer_len, (uint)buffer.v.size());
   if(T.send_max > 0 && len > (uint)T.send_max)
      len = (uint)T.send_max;
   int n = SSL_write(k->ssl, buffer.v.data(), (int)len);
   if(n <= 0)
     {
      SetError(ERR_NETSOCKET_IO_ERROR);
      return -1;
     }
   LogIo("send", socket, (const char *)buffer.v.data(), n);
   return n;
  }
#else
bool SocketTlsHandshake(int socket, const string host)
  {
   (void)socket;
   (void)host;
   SetError(ERR_NETSOCKET_HANDSHAKE_FAILED); // built without OpenSSL
   return false;
  }
int SocketTlsRead(int socket, CArray<uchar> &buffer, uint buffer_maxlen)
  {
   (void)socket; (void)buffer; (void)buffer_maxlen;
   SetError(ERR_NETSOCKET_IO_ERROR);
   return -1;
  }
int SocketTlsReadAvailable(int socket, CArray<uchar> &buffer, const uint buffer_maxlen)
  {
   (void)socket; (void)buffer; (void)buffer_maxlen;
   SetError(ERR_NETSOCKET_IO_ERROR);
   return -1;
  }
int SocketTlsSend(int socket, const CArray<uchar> &buffer, uint buffer_len)
  {
   (void)socket; (void)buffer; (void)buffer_len;
   SetError(ERR_NETSOCKET_IO_ERROR);
   return -1;
  }
#endif

// ------------------------------------------------------------------------------ strings
int StringFind(string string_value, string match_substring, int start_pos)
  {
   if(start_pos < 0)
      start_pos = 0;
   size_t p = string_value.s.find(match_substring.s, (size_t)start_pos);
   return p == std::string::npos ? -1 : (int)p;
  }
ushort StringGetCharacter(string string_value, int pos)
  {
   if(pos < 0 || pos >= (int)string_value.s.size())
      return 0;
   return (ushort)(uchar)string_value.s[(size_t)pos];
  }
int StringLen(string string_value) { return (int)string_value.s.size(); }
string StringSubstr(string string_value, int start_pos, int length)
  {
   const std::string &s = string_value.s;
   if(start_pos < 0)
      start_pos = 0;
   if(start_pos >= (int)s.size())
      return string();
   if(length < 0)
      return string(s.substr((size_t)start_pos));
   return string(s.substr((size_t)start_pos, (size_t)length));
  }
int StringToCharArray(string text_string, CArray<uchar> &array, int start, int count, uint codepage)
  {
   (void)codepage;
   // MQL5 copies the terminating 0 too when count is -1 or covers the whole string.
   std::string s = text_string.s;
   int len = (int)s.size() + 1;
   int n = count < 0 || count > len ? len : count;
   if((int)array.v.size() < start + n)
      array.v.resize((size_t)(start + n));
   for(int i = 0; i < n; i++)
      array.v[(size_t)(start + i)] = i < (int)s.size() ? (uchar)s[(size_t)i] : 0;
   return n;
  }
double StringToDouble(string value) { return std::strtod(value.s.c_str(), nullptr); }
long StringToInteger(string value) { return std::strtol(value.s.c_str(), nullptr, 10); }
bool StringToUpper(string &string_var)
  {
   for(auto &c : string_var.s)
      if(c >= 'a' && c <= 'z')
         c = (char)(c - 'a' + 'A');
   return true;
  }
int StringTrimLeft(string &string_var)
  {
   size_t n = 0;
   while(n < string_var.s.size() && std::strchr(" \t\r\n", string_var.s[n]) != nullptr)
      n++;
   string_var.s.erase(0, n);
   return (int)n;
  }
int StringTrimRight(string &string_var)
  {
   size_t n = 0;
   while(n < string_var.s.size() && std::strchr(" \t\r\n", string_var.s[string_var.s.size() - 1 - n]) != nullptr)
      n++;
   string_var.s.erase(string_var.s.size() - n);
   return (int)n;
  }

// ------------------------------------------------------------------------------ symbols
double SymbolInfoDouble(string name, ENUM_SYMBOL_INFO_DOUBLE prop_id)
  {
   Sym *s = FindSym(name.s);
   if(s == nullptr)
     {
      SetError(ERR_MARKET_UNKNOWN_SYMBOL);
      return 0;
     }
   switch(prop_id)
     {
      case SYMBOL_BID: return SymbolReady(s) ? s->bid : 0;
      case SYMBOL_ASK: return SymbolReady(s) ? s->ask : 0;
      case SYMBOL_POINT: return s->point;
      case SYMBOL_TRADE_TICK_SIZE: return s->tick_size;
      case SYMBOL_TRADE_TICK_VALUE: return s->tick_value >= 0 ? s->tick_value : s->tick_size * s->contract;
      case SYMBOL_TRADE_CONTRACT_SIZE: return s->contract;
      case SYMBOL_VOLUME_MIN: return s->vmin;
      case SYMBOL_VOLUME_MAX: return s->vmax;
      case SYMBOL_VOLUME_STEP: return s->vstep;
      default: return 0;
     }
  }
long SymbolInfoInteger(string name, ENUM_SYMBOL_INFO_INTEGER prop_id)
  {
   Sym *s = FindSym(name.s);
   if(s == nullptr)
     {
      SetError(ERR_MARKET_UNKNOWN_SYMBOL);
      return 0;
     }
   switch(prop_id)
     {
      case SYMBOL_SELECT: return s->selected;
      case SYMBOL_VISIBLE: return s->selected;
      case SYMBOL_DIGITS: return s->digits;
      case SYMBOL_SPREAD: return (long)std::llround((s->ask - s->bid) / s->point);
      case SYMBOL_TRADE_MODE: return s->trade_mode;
      case SYMBOL_TRADE_STOPS_LEVEL: return s->stops_level;
      case SYMBOL_TRADE_EXEMODE: return s->exemode;
      case SYMBOL_FILLING_MODE: return s->filling;
      case SYMBOL_TIME: return s->tick_msc / 1000;
      case SYMBOL_TIME_MSC: return s->tick_msc;
      case SYMBOL_EXIST: return 1;
      default: return 0;
     }
  }
string SymbolInfoString(string name, ENUM_SYMBOL_INFO_STRING prop_id)
  {
   Sym *s = FindSym(name.s);
   if(s == nullptr)
     {
      SetError(ERR_MARKET_UNKNOWN_SYMBOL);
      return string();
     }
   if(prop_id == SYMBOL_DESCRIPTION)
      return string(s->name);
   return string();
  }
bool SymbolInfoTick(string symbol, MqlTick &tick)
  {
   Sym *s = FindSym(symbol.s);
   if(s == nullptr)
     {
      SetError(ERR_MARKET_UNKNOWN_SYMBOL);
      return false;
     }
   if(!SymbolReady(s))
      return false;
   tick = MqlTick();
   tick.bid = s->bid;
   tick.ask = s->ask;
   tick.time_msc = s->tick_msc;
   tick.time = s->tick_msc / 1000;
   return true;
  }
string SymbolName(int pos, bool selected)
  {
   int i = 0;
   for(auto &s : T.symbols)
     {
      if(selected && !s.selected)
         continue;
      if(i == pos)
         return string(s.name);
      i++;
     }
   return string();
  }
bool SymbolSelect(string name, bool select)
  {
   Sym *s = FindSym(name.s);
   if(s == nullptr)
     {
      SetError(ERR_MARKET_UNKNOWN_SYMBOL);
      return false;
     }
   if(select && !s->selected && s->select_tick_delay_ms > 0)
     {
      s->has_tick = false; // the first quote arrives a little later
      s->tick_due_us = WallUs() + (long long)s->select_tick_delay_ms * 1000;
     }
   s->selected = select;
   return true;
  }
int SymbolsTotal(bool selected)
  {
   int n = 0;
   for(auto &s : T.symbols)
      if(!selected || s.selected)
         n++;
   return n;
  }
int TerminalInfoInteger(int property_id)
  {
   if(property_id == TERMINAL_CONNECTED)
      return T.connected && T.logged_in;
   if(property_id == TERMINAL_TRADE_ALLOWED)
      return T.algo;
   if(property_id == TERMINAL_BUILD)
      return 4755;
   if(property_id == TERMINAL_X64)
      return 1;
   return 0;
  }
datetime TimeCurrent() { return (datetime)(WallUs() / 1000000); }
datetime TimeGMT() { return (datetime)(WallUs() / 1000000); }
datetime TimeLocal() { return (datetime)(WallUs() / 1000000); }

int main(int argc, char **argv) { return ct_emu::Run(argc, argv); }
