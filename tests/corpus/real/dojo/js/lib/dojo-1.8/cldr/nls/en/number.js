define(
//begin v1.x content
{
	"decimal": ".",
	"group": ",",
	"list": ";",
	"percentSign": "%",
	"plusSign": "+",
	"minusSign": "-",
	"exponential": "E",
	"perMille": "‰",
	"infinity": "∞",
	"nan": "NaN",
	"decimalFormat": "#,##0.###",
	"decimalFormat-short": "000T",
	"scientificFormat": "#E0",
	"percentFormat": "#,##0%",
	"currencyFormat": "¤#,##0.00;(¤#,##0.00)"
}
//end v1.x content
);