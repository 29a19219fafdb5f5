//+------------------------------------------------------------------+
//| Protocol.mqh -- CopyTradePro EA wire protocol v1 (docs/protocol.md)|
//|                                                                  |
//| Sans-IO codec: bytes -> lines -> messages, messages -> lines.     |
//| Written in the subset of MQL5 that is also C++ (mql5/tests build  |
//| it with g++ and run it against tests/fixtures/protocol_vectors.json,|
//| the same vectors the Python codec passes). No terminal calls here.|
//+------------------------------------------------------------------+
#ifndef CT_PROTOCOL_MQH
#define CT_PROTOCOL_MQH

#define CT_PROTOCOL_VERSION 1
#define CT_MAX_LINE         4096   // bytes, terminator included
#define CT_MAX_TEXT         200    // longest free-text field
#define CT_MAX_FIELDS       10     // most wire fields of one verb (OPEN has 9 + optional 1)
#define CT_MAX_PARTS        16     // parts kept when splitting a line (more are only counted)

// Directions: which way a line travels.
#define CT_EA_TO_SERVER 0
#define CT_SERVER_TO_EA 1

// Field kinds (mirror server/copytrade/protocol/vocab.py Kind).
#define CT_K_TICKET     1
#define CT_K_UINT       2
#define CT_K_POS_INT    3
#define CT_K_DIGITS     4
#define CT_K_OPT_UINT   5
#define CT_K_VOLUME     6
#define CT_K_PRICE      7
#define CT_K_MONEY      8
#define CT_K_SIDE       9
#define CT_K_REASON     10
#define CT_K_COMMAND    11
#define CT_K_ERROR_CODE 12
#define CT_K_SYMBOL     13
#define CT_K_CURRENCY   14
#define CT_K_API_KEY    15
#define CT_K_OPT_TOKEN  16
#define CT_K_TEXT       17
#define CT_K_ROLE       18
#define CT_K_LOT_MODE   19
#define CT_K_BOOL       20
#define CT_K_SYMBOL_MAP 21
#define CT_K_INT32      22   // 0 .. 2^31-1 (retcode: an integer column)
#define CT_K_POS_INT32  23   // 1 .. 2^31-1 (leverage)
#define CT_K_LOTS       24   // volume or 0: remaining, target volume, min lot
#define CT_K_QUOTE      25   // a price written with the symbol's digits (PNL OPEN_PRICE)
#define CT_K_PERCENT    26   // margin level
#define CT_K_OPT_TICK   27   // optional trailing price-like figure >= 0 (SYM tick size/value)
#define CT_K_ORDER_TYPE 28   // BUY_LIMIT | SELL_LIMIT | BUY_STOP | SELL_STOP | *_STOP_LIMIT
#define CT_K_ORDER_END  29   // CANCELLED | EXPIRED
#define CT_K_EPOCH_MS   30   // 0 .. 9999-12-31 in ms (an expiration; 0 = none)
#define CT_K_OPT_COUNT  31   // optional trailing uint (SYNC's N_ORDERS)
#define CT_K_OPT_VOLUME 32   // optional trailing volume > 0 (ORDER_MODIFY's VOLUME)

// Ranges and decimals of the numeric fields (docs/protocol.md section 3): the database
// columns they are stored in. More decimals are accepted only if they are zeros.
#define CT_MAX_VOLUME      99999999.9999            // numeric(12,4)
#define CT_MAX_PERCENT     9999999999.99            // numeric(12,2)
#define CT_MAX_EPOCH_MS    "253402300799999"        // OPEN_TIME_MS: 9999-12-31T23:59:59.999Z
#define CT_MAX_INT32       "2147483647"
#define CT_MAX_DECIMALS    8                        // the most decimals any field takes

//+------------------------------------------------------------------+
//| Small string helpers                                             |
//+------------------------------------------------------------------+
bool CT_IsDigit(ushort c) { return c >= '0' && c <= '9'; }

bool CT_IsLetter(ushort c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

bool CT_IsSymbolChar(ushort c)
  {
   return CT_IsLetter(c) || CT_IsDigit(c) || c == '.' || c == '_' || c == '#' || c == '+' || c == '-';
  }

// Printable ASCII without the separator: what API keys and master tokens may hold.
bool CT_IsKeyChar(ushort c) { return c >= 0x21 && c <= 0x7E && c != '|'; }

bool CT_AllDigits(const string s)
  {
   int n = StringLen(s);
   if(n == 0)
      return false;
   for(int i = 0; i < n; i++)
      if(!CT_IsDigit(StringGetCharacter(s, i)))
         return false;
   return true;
  }

// "000123" -> "123", "000" -> "0".
string CT_StripZeros(const string digits)
  {
   int n = StringLen(digits);
   int i = 0;
   while(i < n - 1 && StringGetCharacter(digits, i) == '0')
      i++;
   return StringSubstr(digits, i);
  }

// Compare two digit strings without leading zeros: -1, 0, 1.
int CT_CompareDigits(const string a, const string b)
  {
   int la = StringLen(a), lb = StringLen(b);
   if(la != lb)
      return la < lb ? -1 : 1;
   for(int i = 0; i < la; i++)
     {
      ushort ca = StringGetCharacter(a, i), cb = StringGetCharacter(b, i);
      if(ca != cb)
         return ca < cb ? -1 : 1;
     }
   return 0;
  }

bool CT_IsSymbol(const string s)
  {
   int n = StringLen(s);
   if(n < 1 || n > 32)
      return false;
   for(int i = 0; i < n; i++)
      if(!CT_IsSymbolChar(StringGetCharacter(s, i)))
         return false;
   return true;
  }

//+------------------------------------------------------------------+
//| Decimal text: -?[0-9]+(\.[0-9]+)? , read exactly, never as float  |
//+------------------------------------------------------------------+
bool CT_IsDecimalText(const string s)
  {
   int n = StringLen(s);
   int i = 0;
   if(n > 0 && StringGetCharacter(s, 0) == '-')
      i = 1;
   int intDigits = 0;
   while(i < n && CT_IsDigit(StringGetCharacter(s, i)))
     {
      i++;
      intDigits++;
     }
   if(intDigits == 0)
      return false;
   if(i == n)
      return true;
   if(StringGetCharacter(s, i) != '.')
      return false;
   i++;
   int fracDigits = 0;
   while(i < n && CT_IsDigit(StringGetCharacter(s, i)))
     {
      i++;
      fracDigits++;
     }
   return fracDigits > 0 && i == n;
  }

bool CT_DecimalIsZero(const string s)
  {
   int n = StringLen(s);
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(s, i);
      if(CT_IsDigit(c) && c != '0')
         return false;
     }
   return true;
  }

bool CT_DecimalIsNegative(const string s)
  {
   return StringGetCharacter(s, 0) == '-' && !CT_DecimalIsZero(s);
  }

// A double as wire decimal with `digits` decimals (at most 8); "NaN" (refused by the
// encoder) if it is not a finite number. Never "-0.00". The encoder then writes the
// shortest exact form (CT_CheckDecimal): CT_Dec(0.1, 2) = "0.10" goes out as "0.1".
string CT_Dec(double value, int digits)
  {
   if(!MathIsValidNumber(value))
      return "NaN";
   if(digits < 0)
      digits = 0;
   if(digits > CT_MAX_DECIMALS)
      digits = CT_MAX_DECIMALS;   // no wire field takes more (and doubles get noisy beyond)
   string s = DoubleToString(value, digits);
   if(StringGetCharacter(s, 0) == '-' && CT_DecimalIsZero(s))
      s = StringSubstr(s, 1);
   return s;
  }

// A margin level (percent) as wire text: 2 decimals, kept within 0 .. CT_MAX_PERCENT
// (an account with a tiny margin may report more; the column holds no more).
string CT_Percent(double value)
  {
   if(!MathIsValidNumber(value) || value < 0)
      value = 0;
   return CT_Dec(MathMin(value, CT_MAX_PERCENT), 2);
  }

// A non-negative integer (tickets, counts) as wire text.
string CT_Int(long value) { return IntegerToString(value); }

//+------------------------------------------------------------------+
//| Free text: the sender sanitises ("|" and controls -> space,       |
//| non-ASCII -> "?", cut to 200).                                    |
//+------------------------------------------------------------------+
string CT_SanitizeText(const string text)
  {
   string cut = StringSubstr(text, 0, CT_MAX_TEXT);
   string out = "";
   int n = StringLen(cut);
   int start = 0;
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(cut, i);
      if(c >= 0x20 && c <= 0x7E && c != '|')
         continue;
      out = out + StringSubstr(cut, start, i - start) + (c > 0x7E ? "?" : " ");
      start = i + 1;
     }
   return out + StringSubstr(cut, start);
  }

//+------------------------------------------------------------------+
//| Enumerated words                                                  |
//+------------------------------------------------------------------+
bool CT_IsErrorCode(const string s)
  {
   return s == "AUTH_FAILED" || s == "AUTH_TIMEOUT" || s == "NOT_AUTHENTICATED" ||
          s == "VERSION_UNSUPPORTED" || s == "ACCOUNT_INACTIVE" || s == "UNKNOWN_MASTER_TOKEN" ||
          s == "THROTTLED" || s == "REPLACED" || s == "KEY_ROTATED" || s == "IDLE_TIMEOUT" ||
          s == "SLOW_CONSUMER" || s == "RESYNC" || s == "TOO_MANY_ERRORS" || s == "SHUTDOWN" ||
          s == "MALFORMED" || s == "LINE_TOO_LONG" || s == "UNKNOWN_COMMAND" ||
          s == "WRONG_ROLE" || s == "UNKNOWN_TICKET" || s == "INTERNAL" || s == "UNAVAILABLE";
  }

// True for the ERR codes after which the server closes the connection. UNAVAILABLE stays,
// except in answer to AUTH or the login report (then the server closes as well).
bool CT_ErrorClosesConnection(const string code)
  {
   return !(code == "MALFORMED" || code == "LINE_TOO_LONG" || code == "UNKNOWN_COMMAND" ||
            code == "WRONG_ROLE" || code == "UNKNOWN_TICKET" || code == "INTERNAL" ||
            code == "UNAVAILABLE"); // retryable: the server closes the link itself if it must
  }

// Codes after which reconnecting at once is pointless (wrong key, token, version...).
bool CT_ErrorNeedsConfigChange(const string code)
  {
   return code == "AUTH_FAILED" || code == "VERSION_UNSUPPORTED" || code == "ACCOUNT_INACTIVE" ||
          code == "UNKNOWN_MASTER_TOKEN" || code == "KEY_ROTATED";
  }

bool CT_IsReason(const string s)
  {
   return s == "CLIENT" || s == "EXPERT" || s == "SL" || s == "TP" || s == "SO" || s == "OTHER";
  }

bool CT_IsSymbolMapText(const string s)
  {
   int n = StringLen(s);
   if(n == 0)
      return true;
   int start = 0;
   while(start <= n)
     {
      int comma = StringFind(s, ",", start);
      int end = comma < 0 ? n : comma;
      string entry = StringSubstr(s, start, end - start);
      int eq = StringFind(entry, "=");
      if(eq < 0)
         return false;
      if(!CT_IsSymbol(StringSubstr(entry, 0, eq)) || !CT_IsSymbol(StringSubstr(entry, eq + 1)))
         return false;
      if(comma < 0)
         break;
      start = comma + 1;
      if(start == n)
         return false; // trailing comma
     }
   return true;
  }

//+------------------------------------------------------------------+
//| One field: check `text` as `kind`; on success `canon` is its      |
//| canonical wire text, on failure `why` says what is wrong.         |
//+------------------------------------------------------------------+
bool CT_CheckIntMax(const string text, int low, const string high, string &canon, string &why)
  {
   if(!CT_AllDigits(text) || StringLen(text) > 19)
     {
      why = "expected an integer, got '" + StringSubstr(text, 0, 40) + "'";
      return false;
     }
   string v = CT_StripZeros(text);
   if((low == 1 && v == "0") || CT_CompareDigits(v, high) > 0)
     {
      why = v + " is outside " + IntegerToString(low) + ".." + high;
      return false;
     }
   canon = v;
   return true;
  }

bool CT_CheckInt(const string text, int low, int high, string &canon, string &why)
  {
   // high: 0 means the protocol's maximum, 2^63-1.
   return CT_CheckIntMax(text, low, high > 0 ? IntegerToString(high) : "9223372036854775807",
                         canon, why);
  }

// A decimal field of `kind` (volume, lots, price, quote, money, percent): the text must be
// a decimal, within the kind's range and with at most its decimals (further decimals only
// if zeros). canon is the shortest exact form (0.10 -> 0.1, 1.08000 -> 1.08, -0 -> 0); a
// QUOTE keeps its decimals as written (they carry the symbol's digits).
bool CT_CheckDecimal(int kind, const string text, string &canon, string &why)
  {
   if(!CT_IsDecimalText(text))
     {
      why = "expected a decimal number like 1.25, got '" + StringSubstr(text, 0, 40) + "'";
      return false;
     }
   int maxInt = 12, places = 8;   // price, quote: numeric(20,8)
   if(kind == CT_K_VOLUME || kind == CT_K_LOTS)
     {
      maxInt = 8;
      places = 4;                 // numeric(12,4)
     }
   else if(kind == CT_K_MONEY)
     {
      maxInt = 16;
      places = 2;                 // numeric(18,2)
     }
   else if(kind == CT_K_PERCENT)
     {
      maxInt = 10;
      places = 2;                 // numeric(12,2)
     }
   bool negative = StringGetCharacter(text, 0) == '-';
   string body = negative ? StringSubstr(text, 1) : text;
   int dot = StringFind(body, ".");
   string ip = CT_StripZeros(dot < 0 ? body : StringSubstr(body, 0, dot));
   string written = dot < 0 ? "" : StringSubstr(body, dot + 1);
   string fp = written;
   while(StringLen(fp) > 0 && StringGetCharacter(fp, StringLen(fp) - 1) == '0')
      fp = StringSubstr(fp, 0, StringLen(fp) - 1);
   bool zero = ip == "0" && fp == "";
   string shown = StringSubstr(text, 0, 40);
   if(kind == CT_K_VOLUME && (zero || negative))
     {
      why = "must be > 0, got " + shown;
      return false;
     }
   if(negative && !zero && kind != CT_K_MONEY)
     {
      why = "must be >= 0, got " + shown;
      return false;
     }
   // The maximum is all nines: maxInt integer digits, `places` decimals.
   bool over = StringLen(ip) > maxInt;
   if(!over && StringLen(ip) == maxInt && StringLen(fp) > places)
     {
      bool nines = true;
      for(int i = 0; nines && i < StringLen(ip); i++)
         nines = StringGetCharacter(ip, i) == '9';
      for(int i = 0; nines && i < places; i++)
         nines = StringGetCharacter(fp, i) == '9';
      over = nines;
     }
   if(over)
     {
      why = "out of range: at most " + IntegerToString(maxInt) + " integer digits and " +
            IntegerToString(places) + " decimals, got " + shown;
      return false;
     }
   if(StringLen(fp) > places)
     {
      why = "too many decimals: at most " + IntegerToString(places) + ", got " + shown;
      return false;
     }
   if(kind == CT_K_QUOTE)
      canon = ip + (written == "" ? "" : "." + written);
   else
      canon = ip + (fp == "" ? "" : "." + fp);
   if(negative && !zero)
      canon = "-" + canon;
   return true;
  }

bool CT_CheckField(int kind, const string text, string &canon, string &why)
  {
   canon = text;
   why = "";
   if(kind == CT_K_TICKET || kind == CT_K_POS_INT)
      return CT_CheckInt(text, 1, 0, canon, why);
   if(kind == CT_K_UINT)
      return CT_CheckInt(text, 0, 0, canon, why);
   if(kind == CT_K_OPT_UINT || kind == CT_K_EPOCH_MS)
      return CT_CheckIntMax(text, 0, CT_MAX_EPOCH_MS, canon, why);
   if(kind == CT_K_OPT_COUNT)
      return CT_CheckInt(text, 0, 0, canon, why);
   if(kind == CT_K_INT32)
      return CT_CheckIntMax(text, 0, CT_MAX_INT32, canon, why);
   if(kind == CT_K_POS_INT32)
      return CT_CheckIntMax(text, 1, CT_MAX_INT32, canon, why);
   if(kind == CT_K_DIGITS)
      return CT_CheckInt(text, 0, 10, canon, why);
   if(kind == CT_K_VOLUME || kind == CT_K_LOTS || kind == CT_K_PRICE || kind == CT_K_QUOTE ||
      kind == CT_K_MONEY || kind == CT_K_PERCENT || kind == CT_K_OPT_TICK)
      return CT_CheckDecimal(kind, text, canon, why);
   if(kind == CT_K_OPT_VOLUME)
      return CT_CheckDecimal(CT_K_VOLUME, text, canon, why);
   bool ok = true;
   if(kind == CT_K_SIDE)
      ok = text == "BUY" || text == "SELL";
   else if(kind == CT_K_REASON)
      ok = CT_IsReason(text);
   else if(kind == CT_K_COMMAND)
      ok = text == "OPEN" || text == "CLOSE" || text == "MODIFY" || text == "ORDER" ||
           text == "ORDER_MODIFY" || text == "ORDER_CANCEL";
   else if(kind == CT_K_ORDER_TYPE)
      ok = text == "BUY_LIMIT" || text == "SELL_LIMIT" || text == "BUY_STOP" ||
           text == "SELL_STOP" || text == "BUY_STOP_LIMIT" || text == "SELL_STOP_LIMIT";
   else if(kind == CT_K_ORDER_END)
      ok = text == "CANCELLED" || text == "EXPIRED";
   else if(kind == CT_K_ERROR_CODE)
      ok = CT_IsErrorCode(text);
   else if(kind == CT_K_ROLE)
      ok = text == "master" || text == "follower";
   else if(kind == CT_K_LOT_MODE)
      ok = text == "FIXED" || text == "MULTIPLIER" || text == "EQUITY_RATIO" ||
           text == "RISK_PERCENT";
   else if(kind == CT_K_BOOL)
      ok = text == "0" || text == "1";
   else if(kind == CT_K_SYMBOL)
      ok = CT_IsSymbol(text);
   else if(kind == CT_K_SYMBOL_MAP)
      ok = CT_IsSymbolMapText(text);
   else if(kind == CT_K_CURRENCY)
     {
      int n = StringLen(text);
      ok = n >= 3 && n <= 8;
      for(int i = 0; ok && i < n; i++)
         ok = CT_IsLetter(StringGetCharacter(text, i));
     }
   else if(kind == CT_K_API_KEY || kind == CT_K_OPT_TOKEN)
     {
      int n = StringLen(text);
      int most = kind == CT_K_API_KEY ? 128 : 64;
      ok = n <= most && (n >= 1 || kind == CT_K_OPT_TOKEN);
      for(int i = 0; ok && i < n; i++)
         ok = CT_IsKeyChar(StringGetCharacter(text, i));
     }
   else if(kind == CT_K_TEXT)
     {
      ok = StringLen(text) <= CT_MAX_TEXT;
      if(!ok)
        {
         why = "longer than 200 characters";
         return false;
        }
     }
   else
      ok = false;
   if(!ok)
      why = "not a valid value: '" + StringSubstr(text, 0, 40) + "'";
   return ok;
  }

//+------------------------------------------------------------------+
//| The shape of one verb: message type, field names and kinds        |
//+------------------------------------------------------------------+
class CTShape
  {
public:
   string            type;       // Python class name (AuthOk, MasterOpen...)
   string            verb;
   int               count;      // wire fields after the verb
   string            names[CT_MAX_FIELDS];
   int               kinds[CT_MAX_FIELDS];
   int               optional;   // trailing optional fields: all present or all absent
   string            fixedName;  // Nack's command: part of the verb, not a field
   string            fixedValue;

                     CTShape(void) { Reset(); }
   void              Reset(void)
     {
      type = "";
      verb = "";
      count = 0;
      optional = 0;
      fixedName = "";
      fixedValue = "";
     }
   void              Add(const string name, int kind)
     {
      names[count] = name;
      kinds[count] = kind;
      count++;
      if(kind == CT_K_OPT_UINT || kind == CT_K_OPT_TICK || kind == CT_K_OPT_COUNT ||
         kind == CT_K_OPT_VOLUME)
         optional++;
     }
  };

// TICKET|PRICE|SL|TP|STOPLIMIT|EXPIRATION_MS: the order-modify verbs of both directions.
void CT_AddOrderValues(CTShape &s, const string ticketName)
  {
   s.Add(ticketName, CT_K_TICKET);
   s.Add("price", CT_K_PRICE);
   s.Add("sl", CT_K_PRICE);
   s.Add("tp", CT_K_PRICE);
   s.Add("stoplimit", CT_K_PRICE);
   s.Add("expiration_ms", CT_K_EPOCH_MS);
  }

// Fill `s` for `verb` travelling in `dir`; false if the verb is not defined that way.
bool CT_ShapeFor(const string verb, int dir, CTShape &s)
  {
   s.Reset();
   s.verb = verb;
   bool toServer = dir == CT_EA_TO_SERVER;
   // both directions
   if(verb == "PING" || verb == "PONG")
     {
      s.type = verb == "PING" ? "Ping" : "Pong";
      s.Add("seq", CT_K_UINT);
      return true;
     }
   if(verb == "RULES")
     {
      s.type = "Rules";
      s.Add("lot_mode", CT_K_LOT_MODE);
      s.Add("lot_value", CT_K_VOLUME);
      s.Add("reverse", CT_K_BOOL);
      s.Add("min_lot", CT_K_LOTS);
      s.Add("symbol_map", CT_K_SYMBOL_MAP);
      return true;
     }
   if(!toServer)
     {
      if(verb == "OK")
        {
         s.type = "AuthOk";
         s.Add("role", CT_K_ROLE);
         s.Add("version", CT_K_POS_INT);
         s.Add("account_id", CT_K_POS_INT);
         s.Add("heartbeat_s", CT_K_POS_INT);
         return true;
        }
      if(verb == "ERR")
        {
         s.type = "Error";
         s.Add("code", CT_K_ERROR_CODE);
         s.Add("text", CT_K_TEXT);
         return true;
        }
      if(verb == "STORED")
        {
         s.type = "Stored";
         s.Add("kind", CT_K_COMMAND);
         s.Add("ticket", CT_K_TICKET);
         s.Add("deal", CT_K_UINT);
         return true;
        }
      if(verb == "OPEN")
        {
         s.type = "CopyOpen";
         s.Add("master_ticket", CT_K_TICKET);
         s.Add("symbol", CT_K_SYMBOL);
         s.Add("side", CT_K_SIDE);
         s.Add("volume", CT_K_VOLUME);
         s.Add("price", CT_K_PRICE);
         s.Add("sl", CT_K_PRICE);
         s.Add("tp", CT_K_PRICE);
         s.Add("max_deviation_points", CT_K_UINT);
         s.Add("max_spread_points", CT_K_OPT_COUNT);
         return true;
        }
      if(verb == "CLOSE")
        {
         s.type = "CopyClose";
         s.Add("master_ticket", CT_K_TICKET);
         s.Add("target_volume", CT_K_LOTS);
         s.Add("reason", CT_K_REASON);
         return true;
        }
      if(verb == "MODIFY")
        {
         s.type = "CopyModify";
         s.Add("master_ticket", CT_K_TICKET);
         s.Add("sl", CT_K_PRICE);
         s.Add("tp", CT_K_PRICE);
         return true;
        }
      // pending orders (docs/protocol.md section 9a)
      if(verb == "ORDER")
        {
         s.type = "CopyOrder";
         s.Add("master_ticket", CT_K_TICKET);
         s.Add("symbol", CT_K_SYMBOL);
         s.Add("order_type", CT_K_ORDER_TYPE);
         s.Add("volume", CT_K_VOLUME);
         s.Add("price", CT_K_PRICE);
         s.Add("sl", CT_K_PRICE);
         s.Add("tp", CT_K_PRICE);
         s.Add("stoplimit", CT_K_PRICE);
         s.Add("expiration_ms", CT_K_EPOCH_MS);
         return true;
        }
      if(verb == "ORDER_MODIFY")
        {
         s.type = "CopyOrderModify";
         CT_AddOrderValues(s, "master_ticket");
         s.Add("volume", CT_K_OPT_VOLUME);
         return true;
        }
      if(verb == "ORDER_CANCEL")
        {
         s.type = "CopyOrderCancel";
         s.Add("master_ticket", CT_K_TICKET);
         s.Add("reason", CT_K_ORDER_END);
         return true;
        }
      return false;
     }
   if(verb == "AUTH")
     {
      s.type = "Auth";
      s.Add("api_key", CT_K_API_KEY);
      s.Add("version", CT_K_UINT);
      s.Add("master_token", CT_K_OPT_TOKEN);
      s.Add("client", CT_K_TEXT);
      return true;
     }
   if(verb == "CMD_OPEN")
     {
      s.type = "MasterOpen";
      s.Add("side", CT_K_SIDE);
      s.Add("symbol", CT_K_SYMBOL);
      s.Add("price", CT_K_PRICE);
      s.Add("volume", CT_K_VOLUME);
      s.Add("sl", CT_K_PRICE);
      s.Add("tp", CT_K_PRICE);
      s.Add("ticket", CT_K_TICKET);
      s.Add("open_time_ms", CT_K_OPT_UINT);
      return true;
     }
   if(verb == "CMD_CLOSE")
     {
      s.type = "MasterClose";
      s.Add("ticket", CT_K_TICKET);
      s.Add("deal", CT_K_TICKET);
      s.Add("volume", CT_K_VOLUME);
      s.Add("price", CT_K_PRICE);
      s.Add("profit", CT_K_MONEY);
      s.Add("remaining", CT_K_LOTS);
      s.Add("reason", CT_K_REASON);
      return true;
     }
   if(verb == "CMD_MODIFY")
     {
      s.type = "MasterModify";
      s.Add("ticket", CT_K_TICKET);
      s.Add("sl", CT_K_PRICE);
      s.Add("tp", CT_K_PRICE);
      return true;
     }
   if(verb == "ACCOUNT")
     {
      s.type = "AccountState";
      s.Add("balance", CT_K_MONEY);
      s.Add("equity", CT_K_MONEY);
      s.Add("margin_level", CT_K_PERCENT);
      s.Add("currency", CT_K_CURRENCY);
      s.Add("leverage", CT_K_POS_INT32);
      return true;
     }
   if(verb == "PNL")
     {
      s.type = "FloatingPnl";
      s.Add("ticket", CT_K_TICKET);
      s.Add("open_price", CT_K_QUOTE);
      s.Add("price", CT_K_PRICE);
      s.Add("profit", CT_K_MONEY);
      s.Add("swap", CT_K_MONEY);
      return true;
     }
   if(verb == "STOPOUT")
     {
      s.type = "StopOut";
      s.Add("margin_level", CT_K_PERCENT);
      s.Add("equity", CT_K_MONEY);
      return true;
     }
   if(verb == "ACK_OPEN")
     {
      s.type = "AckOpen";
      s.Add("master_ticket", CT_K_TICKET);
      s.Add("slave_ticket", CT_K_TICKET);
      s.Add("volume", CT_K_VOLUME);
      s.Add("side", CT_K_SIDE);
      return true;
     }
   if(verb == "NACK_OPEN" || verb == "NACK_CLOSE" || verb == "NACK_MODIFY" ||
      verb == "NACK_ORDER" || verb == "NACK_ORDER_MODIFY" || verb == "NACK_ORDER_CANCEL")
     {
      s.type = "Nack";
      s.fixedName = "command";
      s.fixedValue = StringSubstr(verb, 5);
      s.Add("master_ticket", CT_K_TICKET);
      s.Add("retcode", CT_K_INT32);
      s.Add("text", CT_K_TEXT);
      return true;
     }
   if(verb == "ACK_CLOSE")
     {
      s.type = "AckClose";
      s.Add("master_ticket", CT_K_TICKET);
      s.Add("slave_ticket", CT_K_TICKET);
      s.Add("volume", CT_K_VOLUME);
      s.Add("remaining", CT_K_LOTS);
      s.Add("price", CT_K_PRICE);
      s.Add("profit", CT_K_MONEY);
      return true;
     }
   if(verb == "ACK_MODIFY")
     {
      s.type = "AckModify";
      s.Add("master_ticket", CT_K_TICKET);
      s.Add("sl", CT_K_PRICE);
      s.Add("tp", CT_K_PRICE);
      return true;
     }
   if(verb == "CLOSED")
     {
      s.type = "CopyClosed";
      s.Add("master_ticket", CT_K_TICKET);
      s.Add("slave_ticket", CT_K_TICKET);
      s.Add("price", CT_K_PRICE);
      s.Add("profit", CT_K_MONEY);
      s.Add("reason", CT_K_REASON);
      return true;
     }
   if(verb == "SYM")
     {
      s.type = "SymbolInfo";
      s.Add("name", CT_K_SYMBOL);
      s.Add("volume_min", CT_K_VOLUME);
      s.Add("volume_max", CT_K_VOLUME);
      s.Add("volume_step", CT_K_VOLUME);
      s.Add("digits", CT_K_DIGITS);
      s.Add("tick_size", CT_K_OPT_TICK);
      s.Add("tick_value", CT_K_OPT_TICK);
      return true;
     }
   if(verb == "POS")
     {
      s.type = "Position";
      s.Add("master_ticket", CT_K_TICKET);
      s.Add("slave_ticket", CT_K_TICKET);
      s.Add("symbol", CT_K_SYMBOL);
      s.Add("side", CT_K_SIDE);
      s.Add("volume", CT_K_VOLUME);
      s.Add("sl", CT_K_PRICE);
      s.Add("tp", CT_K_PRICE);
      s.Add("profit", CT_K_MONEY);
      return true;
     }
   if(verb == "SYNC")
     {
      s.type = "SyncDone";
      s.Add("symbols", CT_K_UINT);
      s.Add("positions", CT_K_UINT);
      s.Add("orders", CT_K_OPT_COUNT);
      return true;
     }
   // pending orders (docs/protocol.md sections 7a and 9a)
   if(verb == "CMD_ORDER")
     {
      s.type = "MasterOrder";
      s.Add("order_type", CT_K_ORDER_TYPE);
      s.Add("symbol", CT_K_SYMBOL);
      s.Add("price", CT_K_PRICE);
      s.Add("volume", CT_K_VOLUME);
      s.Add("sl", CT_K_PRICE);
      s.Add("tp", CT_K_PRICE);
      s.Add("ticket", CT_K_TICKET);
      s.Add("stoplimit", CT_K_PRICE);
      s.Add("expiration_ms", CT_K_EPOCH_MS);
      return true;
     }
   if(verb == "CMD_ORDER_MODIFY")
     {
      s.type = "MasterOrderModify";
      CT_AddOrderValues(s, "ticket");
      s.Add("volume", CT_K_OPT_VOLUME);
      return true;
     }
   if(verb == "CMD_ORDER_CANCEL")
     {
      s.type = "MasterOrderCancel";
      s.Add("ticket", CT_K_TICKET);
      s.Add("reason", CT_K_ORDER_END);
      return true;
     }
   if(verb == "ACK_ORDER")
     {
      s.type = "AckOrder";
      s.Add("master_ticket", CT_K_TICKET);
      s.Add("slave_ticket", CT_K_TICKET);
      s.Add("volume", CT_K_VOLUME);
      s.Add("order_type", CT_K_ORDER_TYPE);
      return true;
     }
   if(verb == "ACK_ORDER_MODIFY")
     {
      s.type = "AckOrderModify";
      CT_AddOrderValues(s, "master_ticket");
      return true;
     }
   if(verb == "ACK_ORDER_CANCEL")
     {
      s.type = "AckOrderCancel";
      s.Add("master_ticket", CT_K_TICKET);
      s.Add("slave_ticket", CT_K_UINT);
      s.Add("filled", CT_K_BOOL);
      return true;
     }
   if(verb == "ORD")
     {
      s.type = "OrderReport";
      s.Add("master_ticket", CT_K_TICKET);
      s.Add("slave_ticket", CT_K_TICKET);
      s.Add("symbol", CT_K_SYMBOL);
      s.Add("order_type", CT_K_ORDER_TYPE);
      s.Add("volume", CT_K_VOLUME);
      s.Add("price", CT_K_PRICE);
      s.Add("sl", CT_K_PRICE);
      s.Add("tp", CT_K_PRICE);
      s.Add("stoplimit", CT_K_PRICE);
      s.Add("expiration_ms", CT_K_EPOCH_MS);
      return true;
     }
   return false;
  }

//+------------------------------------------------------------------+
//| A message: its verb and each field's canonical wire text; or the  |
//| error (code, field, text) that stopped parsing/encoding it.       |
//+------------------------------------------------------------------+
class CTMessage
  {
public:
   string            type;
   string            verb;
   int               count;
   string            names[CT_MAX_FIELDS];
   string            values[CT_MAX_FIELDS];
   bool              present[CT_MAX_FIELDS];
   string            extraName;   // Nack: "command"
   string            extraValue;  // Nack: OPEN | CLOSE | MODIFY
   string            error;       // "" when valid, else an ERR code (MALFORMED, ...)
   string            errorField;  // Python field name, "" for the whole line
   string            errorText;

                     CTMessage(void) { Clear(); }
   void              Clear(void)
     {
      type = "";
      verb = "";
      count = 0;
      extraName = "";
      extraValue = "";
      error = "";
      errorField = "";
      errorText = "";
      for(int i = 0; i < CT_MAX_FIELDS; i++)
        {
         names[i] = "";
         values[i] = "";
         present[i] = false;
        }
     }
   bool              Ok(void) const { return error == ""; }
   int               IndexOf(const string name) const
     {
      for(int i = 0; i < count; i++)
         if(names[i] == name)
            return i;
      return -1;
     }
   bool              Has(const string name) const
     {
      int i = IndexOf(name);
      return i >= 0 && present[i];
     }
   string            Get(const string name) const
     {
      int i = IndexOf(name);
      return i < 0 ? "" : values[i];
     }
   bool              Set(const string name, const string value)
     {
      int i = IndexOf(name);
      if(i < 0)
         return false;
      values[i] = value;
      present[i] = true;
      return true;
     }
   void              Fail(const string code, const string field, const string text)
     {
      error = code;
      errorField = field;
      errorText = text;
     }
   // "TYPE field=value ..." for logs (never contains secrets: callers do not log AUTH).
   string            Describe(void) const
     {
      string s = type;
      for(int i = 0; i < count; i++)
         if(present[i])
            s = s + " " + names[i] + "=" + values[i];
      return s;
     }
  };

// Start a message of `verb` for sending in `dir`: type and field names set, values empty.
bool CT_Init(CTMessage &m, const string verb, int dir)
  {
   CTShape s;
   m.Clear();
   if(!CT_ShapeFor(verb, dir, s))
     {
      m.Fail("INTERNAL", "", "unknown verb " + verb);
      return false;
     }
   m.type = s.type;
   m.verb = verb;
   m.count = s.count;
   for(int i = 0; i < s.count; i++)
      m.names[i] = s.names[i];
   m.extraName = s.fixedName;
   m.extraValue = s.fixedValue;
   return true;
  }

//+------------------------------------------------------------------+
//| Parsing                                                           |
//+------------------------------------------------------------------+
// Parse one line (printable ASCII, terminator optional) travelling in `dir`.
// Returns m.Ok(); on failure m.error/m.errorField say why, as the Python reader would.
bool CT_ParseLine(const string raw, int dir, CTMessage &m)
  {
   m.Clear();
   string line = raw;
   int n = StringLen(line);
   while(n > 0)
     {
      ushort last = StringGetCharacter(line, n - 1);
      if(last != '\r' && last != '\n' && last != 0)
         break;
      n--;
     }
   line = StringSubstr(line, 0, n);
   if(n >= CT_MAX_LINE)
     {
      m.Fail("LINE_TOO_LONG", "", "line longer than 4095 bytes");
      return false;
     }
   if(n == 0)
     {
      m.Fail("MALFORMED", "", "empty line");
      return false;
     }
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(line, i);
      if(c < 0x20 || c > 0x7E)
        {
         m.Fail("MALFORMED", "", "byte at offset " + IntegerToString(i) + " is not printable ASCII");
         return false;
        }
     }
   // split on "|"
   string parts[CT_MAX_PARTS];
   int total = 0;
   int start = 0;
   while(true)
     {
      int bar = StringFind(line, "|", start);
      int end = bar < 0 ? n : bar;
      if(total < CT_MAX_PARTS)
         parts[total] = StringSubstr(line, start, end - start);
      total++;
      if(bar < 0)
         break;
      start = bar + 1;
     }
   CTShape s;
   if(!CT_ShapeFor(parts[0], dir, s))
     {
      m.Fail("UNKNOWN_COMMAND", "", "unknown command '" + StringSubstr(parts[0], 0, 40) + "'");
      return false;
     }
   int maxCount = s.count + 1;
   int minCount = maxCount - s.optional;
   if(total != minCount && total != maxCount)
     {
      m.Fail("MALFORMED", "", s.verb + " expects " +
             (minCount == maxCount ? "" : IntegerToString(minCount) + " or ") +
             IntegerToString(maxCount) + " fields, got " + IntegerToString(total));
      return false;
     }
   m.type = s.type;
   m.verb = s.verb;
   m.count = s.count;
   m.extraName = s.fixedName;
   m.extraValue = s.fixedValue;
   for(int i = 0; i < s.count; i++)
     {
      m.names[i] = s.names[i];
      if(i + 1 >= total)
         continue; // absent optional field
      string canon, why;
      if(!CT_CheckField(s.kinds[i], parts[i + 1], canon, why))
        {
         m.Fail("MALFORMED", s.names[i], why);
         return false;
        }
      m.values[i] = canon;
      m.present[i] = true;
     }
   return true;
  }

//+------------------------------------------------------------------+
//| One line as raw bytes. MQL5 strings end at NUL, so bytes are       |
//| checked here, before they become a string.                        |
//+------------------------------------------------------------------+
class CTByteLine
  {
public:
   uchar             bytes[CT_MAX_LINE + 8];
   int               length;      // bytes kept (at most CT_MAX_LINE + 8)
   int               seen;        // bytes pushed, kept or not

                     CTByteLine(void) { Clear(); }
   void              Clear(void)
     {
      length = 0;
      seen = 0;
     }
   void              Push(uchar b)
     {
      if(length < CT_MAX_LINE + 8)
        {
         bytes[length] = b;
         length++;
        }
      seen++;
     }
   // Parse like the Python reader's parse(bytes): trailing \r \n NUL dropped, then the
   // length, emptiness and printable-ASCII checks on the bytes, then the fields.
   bool              Parse(int dir, CTMessage &m) const
     {
      m.Clear();
      int end = length;
      if(seen > length)
        {
         m.Fail("LINE_TOO_LONG", "", "line longer than 4095 bytes");
         return false;
        }
      while(end > 0 && (bytes[end - 1] == '\r' || bytes[end - 1] == '\n' || bytes[end - 1] == 0))
         end--;
      return ParseRange(0, end, dir, m);
     }
   bool              ParseRange(int begin, int end, int dir, CTMessage &m) const
     {
      if(end - begin >= CT_MAX_LINE)
        {
         m.Fail("LINE_TOO_LONG", "", "line longer than 4095 bytes");
         return false;
        }
      if(end <= begin)
        {
         m.Fail("MALFORMED", "", "empty line");
         return false;
        }
      string text = "";
      for(int i = begin; i < end; i++)
        {
         if(bytes[i] < 0x20 || bytes[i] > 0x7E)
           {
            m.Fail("MALFORMED", "", "byte at offset " + IntegerToString(i - begin) +
                   " is not printable ASCII");
            return false;
           }
        }
      text = ToText(begin, end);
      return CT_ParseLine(text, dir, m);
     }
   string            ToText(int begin, int end) const
     {
      // Chunked so the string grows in a few steps, not byte by byte.
      string text = "";
      string chunk = "";
      for(int i = begin; i < end; i++)
        {
         chunk = chunk + CharToString(bytes[i]);
         if(StringLen(chunk) >= 64)
           {
            text = text + chunk;
            chunk = "";
           }
        }
      return text + chunk;
     }
  };

//+------------------------------------------------------------------+
//| Framing of a byte stream into lines (mirrors protocol/connection.py|
//| LineBuffer): \n or \r\n ends a line; NULs at either end and a     |
//| trailing \r are dropped; empty lines skipped; a line over          |
//| CT_MAX_LINE bytes (terminator included) is discarded up to its \n |
//| and reported once as LINE_TOO_LONG.                                |
//+------------------------------------------------------------------+
#define CT_LINE_NONE      0   // nothing complete yet
#define CT_LINE_READY     1   // a line is ready: Take() it
#define CT_LINE_TOO_LONG  2   // an overlong line was dropped

class CTLineReader
  {
private:
   CTByteLine        m_line;
   bool              m_discarding;
   bool              m_ready;

public:
                     CTLineReader(void) { Reset(); }
   void              Reset(void)
     {
      m_line.Clear();
      m_discarding = false;
      m_ready = false;
     }
   // Feed one received byte. Returns CT_LINE_READY when a line is complete (call Parse
   // before the next Push), CT_LINE_TOO_LONG once per overlong line, else CT_LINE_NONE.
   int               Push(uchar b)
     {
      if(m_ready)
        {
         m_line.Clear();
         m_ready = false;
        }
      if(m_discarding)
        {
         if(b == '\n')
            m_discarding = false;
         return CT_LINE_NONE;
        }
      if(b == '\n')
        {
         int begin = 0, end = m_line.length;
         while(end > begin && (m_line.bytes[end - 1] == '\r' || m_line.bytes[end - 1] == 0))
            end--;
         while(begin < end && m_line.bytes[begin] == 0)
            begin++;
         if(end == begin)
           {
            m_line.Clear();
            return CT_LINE_NONE;
           }
         m_ready = true;
         return CT_LINE_READY;
        }
      if(m_line.length >= CT_MAX_LINE - 1)
        {
         // This byte would make the line, with its \n, longer than CT_MAX_LINE.
         m_line.Clear();
         m_discarding = true;
         return CT_LINE_TOO_LONG;
        }
      m_line.Push(b);
      return CT_LINE_NONE;
     }
   // Parse the ready line (see Push).
   bool              Parse(int dir, CTMessage &m) const
     {
      int begin = 0, end = m_line.length;
      while(end > begin && (m_line.bytes[end - 1] == '\r' || m_line.bytes[end - 1] == 0))
         end--;
      while(begin < end && m_line.bytes[begin] == 0)
         begin++;
      return m_line.ParseRange(begin, end, dir, m);
     }
  };

//+------------------------------------------------------------------+
//| Encoding                                                          |
//+------------------------------------------------------------------+
// The line for `m` (without "\n") when it travels in `dir`. Free text is sanitised; every
// structural field is checked and written canonically; an invalid one is refused
// (m.error = "INTERNAL", m.errorField names it), as the Python writer would refuse it.
bool CT_Encode(CTMessage &m, int dir, string &line)
  {
   line = "";
   CTShape s;
   if(!CT_ShapeFor(m.verb, dir, s))
     {
      m.Fail("INTERNAL", "", "cannot send " + m.verb + " this way");
      return false;
     }
   string out = s.verb;
   for(int i = 0; i < s.count; i++)
     {
      int at = m.IndexOf(s.names[i]);
      bool has = at >= 0 && m.present[at];
      if(!has && (s.kinds[i] == CT_K_OPT_UINT || s.kinds[i] == CT_K_OPT_TICK ||
                   s.kinds[i] == CT_K_OPT_COUNT || s.kinds[i] == CT_K_OPT_VOLUME))
         continue;
      string value = has ? m.values[at] : "";
      if(!has && s.kinds[i] != CT_K_TEXT && s.kinds[i] != CT_K_OPT_TOKEN &&
         s.kinds[i] != CT_K_SYMBOL_MAP)
        {
         m.Fail("INTERNAL", s.names[i], "missing");
         return false;
        }
      if(s.kinds[i] == CT_K_TEXT)
        {
         out = out + "|" + CT_SanitizeText(value);
         continue;
        }
      string canon, why;
      if(!CT_CheckField(s.kinds[i], value, canon, why))
        {
         m.Fail("INTERNAL", s.names[i], why);
         return false;
        }
      out = out + "|" + canon;
     }
   if(StringLen(out) + 1 > CT_MAX_LINE)
     {
      m.Fail("LINE_TOO_LONG", "", "encoded line is over 4096 bytes");
      return false;
     }
   line = out;
   return true;
  }

//+------------------------------------------------------------------+
//| Builders for the lines an EA sends (values are wire text; use      |
//| CT_Dec / CT_Int to format numbers).                               |
//+------------------------------------------------------------------+
bool CT_EncodeEa(CTMessage &m, string &line) { return CT_Encode(m, CT_EA_TO_SERVER, line); }

string CT_LineAuth(const string apiKey, const string masterToken, const string client)
  {
   CTMessage m;
   string line;
   CT_Init(m, "AUTH", CT_EA_TO_SERVER);
   m.Set("api_key", apiKey);
   m.Set("version", CT_Int(CT_PROTOCOL_VERSION));
   m.Set("master_token", masterToken);
   m.Set("client", client);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LinePing(const string verb, long seq)
  {
   CTMessage m;
   string line;
   CT_Init(m, verb, CT_EA_TO_SERVER);
   m.Set("seq", CT_Int(seq));
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineMasterOpen(const string side, const string symbol, const string price,
                         const string volume, const string sl, const string tp,
                         const string ticket, const string openTimeMs)
  {
   CTMessage m;
   string line;
   CT_Init(m, "CMD_OPEN", CT_EA_TO_SERVER);
   m.Set("side", side);
   m.Set("symbol", symbol);
   m.Set("price", price);
   m.Set("volume", volume);
   m.Set("sl", sl);
   m.Set("tp", tp);
   m.Set("ticket", ticket);
   if(openTimeMs != "")
      m.Set("open_time_ms", openTimeMs);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineMasterClose(const string ticket, const string deal, const string volume,
                          const string price, const string profit, const string remaining,
                          const string reason)
  {
   CTMessage m;
   string line;
   CT_Init(m, "CMD_CLOSE", CT_EA_TO_SERVER);
   m.Set("ticket", ticket);
   m.Set("deal", deal);
   m.Set("volume", volume);
   m.Set("price", price);
   m.Set("profit", profit);
   m.Set("remaining", remaining);
   m.Set("reason", reason);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineMasterModify(const string ticket, const string sl, const string tp)
  {
   CTMessage m;
   string line;
   CT_Init(m, "CMD_MODIFY", CT_EA_TO_SERVER);
   m.Set("ticket", ticket);
   m.Set("sl", sl);
   m.Set("tp", tp);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineAccount(const string balance, const string equity, const string marginLevel,
                      const string currency, const string leverage)
  {
   CTMessage m;
   string line;
   CT_Init(m, "ACCOUNT", CT_EA_TO_SERVER);
   m.Set("balance", balance);
   m.Set("equity", equity);
   m.Set("margin_level", marginLevel);
   m.Set("currency", currency);
   m.Set("leverage", leverage);
   CT_EncodeEa(m, line);
   return line;
  }

// PNL|TICKET|OPEN_PRICE|PRICE|PROFIT|SWAP: one open position's floating result (master:
// its position ticket; follower: the master ticket of the copy).
string CT_LinePnl(const string ticket, const string openPrice, const string price,
                  const string profit, const string swap)
  {
   CTMessage m;
   string line;
   CT_Init(m, "PNL", CT_EA_TO_SERVER);
   m.Set("ticket", ticket);
   m.Set("open_price", openPrice);
   m.Set("price", price);
   m.Set("profit", profit);
   m.Set("swap", swap);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineStopOut(const string marginLevel, const string equity)
  {
   CTMessage m;
   string line;
   CT_Init(m, "STOPOUT", CT_EA_TO_SERVER);
   m.Set("margin_level", marginLevel);
   m.Set("equity", equity);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineAckOpen(const string masterTicket, const string slaveTicket, const string volume,
                      const string side)
  {
   CTMessage m;
   string line;
   CT_Init(m, "ACK_OPEN", CT_EA_TO_SERVER);
   m.Set("master_ticket", masterTicket);
   m.Set("slave_ticket", slaveTicket);
   m.Set("volume", volume);
   m.Set("side", side);
   CT_EncodeEa(m, line);
   return line;
  }

// command: OPEN | CLOSE | MODIFY
string CT_LineNack(const string command, const string masterTicket, long retcode,
                   const string text)
  {
   CTMessage m;
   string line;
   CT_Init(m, "NACK_" + command, CT_EA_TO_SERVER);
   m.Set("master_ticket", masterTicket);
   m.Set("retcode", CT_Int(retcode < 0 ? 0 : retcode));
   m.Set("text", text);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineAckClose(const string masterTicket, const string slaveTicket, const string volume,
                       const string remaining, const string price, const string profit)
  {
   CTMessage m;
   string line;
   CT_Init(m, "ACK_CLOSE", CT_EA_TO_SERVER);
   m.Set("master_ticket", masterTicket);
   m.Set("slave_ticket", slaveTicket);
   m.Set("volume", volume);
   m.Set("remaining", remaining);
   m.Set("price", price);
   m.Set("profit", profit);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineAckModify(const string masterTicket, const string sl, const string tp)
  {
   CTMessage m;
   string line;
   CT_Init(m, "ACK_MODIFY", CT_EA_TO_SERVER);
   m.Set("master_ticket", masterTicket);
   m.Set("sl", sl);
   m.Set("tp", tp);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineClosed(const string masterTicket, const string slaveTicket, const string price,
                     const string profit, const string reason)
  {
   CTMessage m;
   string line;
   CT_Init(m, "CLOSED", CT_EA_TO_SERVER);
   m.Set("master_ticket", masterTicket);
   m.Set("slave_ticket", slaveTicket);
   m.Set("price", price);
   m.Set("profit", profit);
   m.Set("reason", reason);
   CT_EncodeEa(m, line);
   return line;
  }

// tickSize/tickValue: SYMBOL_TRADE_TICK_SIZE / _VALUE (8 decimals, "0" = unknown); both
// empty leaves them out (the line of an EA before risk-% sizing).
string CT_LineSymbol(const string name, const string volMin, const string volMax,
                     const string volStep, const string digits, const string tickSize = "",
                     const string tickValue = "")
  {
   CTMessage m;
   string line;
   CT_Init(m, "SYM", CT_EA_TO_SERVER);
   m.Set("name", name);
   m.Set("volume_min", volMin);
   m.Set("volume_max", volMax);
   m.Set("volume_step", volStep);
   m.Set("digits", digits);
   if(tickSize != "" || tickValue != "")
     {
      m.Set("tick_size", tickSize);
      m.Set("tick_value", tickValue);
     }
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LinePosition(const string masterTicket, const string slaveTicket, const string symbol,
                       const string side, const string volume, const string sl, const string tp,
                       const string profit)
  {
   CTMessage m;
   string line;
   CT_Init(m, "POS", CT_EA_TO_SERVER);
   m.Set("master_ticket", masterTicket);
   m.Set("slave_ticket", slaveTicket);
   m.Set("symbol", symbol);
   m.Set("side", side);
   m.Set("volume", volume);
   m.Set("sl", sl);
   m.Set("tp", tp);
   m.Set("profit", profit);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineSync(long symbols, long positions)
  {
   CTMessage m;
   string line;
   CT_Init(m, "SYNC", CT_EA_TO_SERVER);
   m.Set("symbols", CT_Int(symbols));
   m.Set("positions", CT_Int(positions));
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineRules(const string lotMode, const string lotValue, bool reverse,
                    const string minLot, const string symbolMap)
  {
   CTMessage m;
   string line;
   CT_Init(m, "RULES", CT_EA_TO_SERVER);
   m.Set("lot_mode", lotMode);
   m.Set("lot_value", lotValue);
   m.Set("reverse", reverse ? "1" : "0");
   m.Set("min_lot", minLot);
   m.Set("symbol_map", symbolMap);
   CT_EncodeEa(m, line);
   return line;
  }

// SYNC with N_ORDERS: the EA copies pending orders (docs/protocol.md section 9).
string CT_LineSyncOrders(long symbols, long positions, long orders)
  {
   CTMessage m;
   string line;
   CT_Init(m, "SYNC", CT_EA_TO_SERVER);
   m.Set("symbols", CT_Int(symbols));
   m.Set("positions", CT_Int(positions));
   m.Set("orders", CT_Int(orders));
   CT_EncodeEa(m, line);
   return line;
  }

// ORD|MST_TICKET|SLV_TICKET|SYMBOL|TYPE|VOLUME|PRICE|SL|TP|STOPLIMIT|EXPIRATION_MS (section 9)
string CT_LineOrderReport(const string masterTicket, const string slaveTicket, const string symbol,
                          const string orderType, const string volume, const string price,
                          const string sl, const string tp, const string stoplimit,
                          const string expirationMs)
  {
   CTMessage m;
   string line;
   CT_Init(m, "ORD", CT_EA_TO_SERVER);
   m.Set("master_ticket", masterTicket);
   m.Set("slave_ticket", slaveTicket);
   m.Set("symbol", symbol);
   m.Set("order_type", orderType);
   m.Set("volume", volume);
   m.Set("price", price);
   m.Set("sl", sl);
   m.Set("tp", tp);
   m.Set("stoplimit", stoplimit);
   m.Set("expiration_ms", expirationMs);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineAckOrder(const string masterTicket, const string slaveTicket, const string volume,
                       const string orderType)
  {
   CTMessage m;
   string line;
   CT_Init(m, "ACK_ORDER", CT_EA_TO_SERVER);
   m.Set("master_ticket", masterTicket);
   m.Set("slave_ticket", slaveTicket);
   m.Set("volume", volume);
   m.Set("order_type", orderType);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineAckOrderModify(const string masterTicket, const string price, const string sl,
                             const string tp, const string stoplimit, const string expirationMs)
  {
   CTMessage m;
   string line;
   CT_Init(m, "ACK_ORDER_MODIFY", CT_EA_TO_SERVER);
   m.Set("master_ticket", masterTicket);
   m.Set("price", price);
   m.Set("sl", sl);
   m.Set("tp", tp);
   m.Set("stoplimit", stoplimit);
   m.Set("expiration_ms", expirationMs);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineAckOrderCancel(const string masterTicket, const string slaveTicket, bool filled)
  {
   CTMessage m;
   string line;
   CT_Init(m, "ACK_ORDER_CANCEL", CT_EA_TO_SERVER);
   m.Set("master_ticket", masterTicket);
   m.Set("slave_ticket", slaveTicket);
   m.Set("filled", filled ? "1" : "0");
   CT_EncodeEa(m, line);
   return line;
  }

// CMD_ORDER|TYPE|SYMBOL|PRICE|LOT|SL|TP|TICKET|STOPLIMIT|EXPIRATION_MS (section 7a)
string CT_LineMasterOrder(const string orderType, const string symbol, const string price,
                          const string volume, const string sl, const string tp,
                          const string ticket, const string stoplimit, const string expirationMs)
  {
   CTMessage m;
   string line;
   CT_Init(m, "CMD_ORDER", CT_EA_TO_SERVER);
   m.Set("order_type", orderType);
   m.Set("symbol", symbol);
   m.Set("price", price);
   m.Set("volume", volume);
   m.Set("sl", sl);
   m.Set("tp", tp);
   m.Set("ticket", ticket);
   m.Set("stoplimit", stoplimit);
   m.Set("expiration_ms", expirationMs);
   CT_EncodeEa(m, line);
   return line;
  }

string CT_LineMasterOrderModify(const string ticket, const string price, const string sl,
                                const string tp, const string stoplimit, const string expirationMs,
                                const string volume = "")
  {
   CTMessage m;
   string line;
   CT_Init(m, "CMD_ORDER_MODIFY", CT_EA_TO_SERVER);
   m.Set("ticket", ticket);
   m.Set("price", price);
   m.Set("sl", sl);
   m.Set("tp", tp);
   m.Set("stoplimit", stoplimit);
   m.Set("expiration_ms", expirationMs);
   if(volume != "")
      m.Set("volume", volume);   // the order's current volume (optional VOLUME)
   CT_EncodeEa(m, line);
   return line;
  }

// reason: CANCELLED | EXPIRED
string CT_LineMasterOrderCancel(const string ticket, const string reason)
  {
   CTMessage m;
   string line;
   CT_Init(m, "CMD_ORDER_CANCEL", CT_EA_TO_SERVER);
   m.Set("ticket", ticket);
   m.Set("reason", reason);
   CT_EncodeEa(m, line);
   return line;
  }

#endif
