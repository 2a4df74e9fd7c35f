#pragma once

// Every format of the load generator's reports in one include, for code that handles most
// of them (duplexctl bench, the format tests); the rest includes only the one it needs.
#include "load/intervaljson.h"
#include "load/iterationcsv.h"
#include "load/summaryjson.h"
#include "load/summarytable.h"
#include "load/transportreport.h"
